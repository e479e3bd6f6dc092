"""An accepted batch reaches the graph whole, and a refused one can be retried whole.

Regression: a batch of 4,100 messages made the acceptance script fail after it had marked
every message as seen; the tracker got a 500, its retry a 200, and nothing was stored.
"""

from __future__ import annotations

import base64
from typing import Any

import httpx
import orjson
import pytest

from app.bootstrap import Container
from app.domain.tracking.parse import BATCH_LIMIT
from app.domain.tracking.spec import BATCH_MESSAGES_LIMIT
from tests.messages import message
from tests.pipeline import drain, stored_events

pytestmark = pytest.mark.integration


def _basic(write_key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{write_key}:".encode()).decode()}


def _tracks(n: int, with_ids: bool = True) -> list[dict[str, Any]]:
    return [
        {"type": "track", "event": "E", "anonymousId": f"a{i % 50}"}
        | ({"messageId": f"m-{i}"} if with_ids else {})
        for i in range(n)
    ]


async def test_a_batch_of_4100_messages_is_stored_whole_and_its_retry_adds_nothing(
    api_url: str, container: Container
) -> None:
    key = (await container.sources.create("web")).write_key
    body = orjson.dumps({"batch": _tracks(4_100)})
    assert len(body) < BATCH_LIMIT
    async with httpx.AsyncClient(base_url=api_url, headers=_basic(key), timeout=60) as client:
        first = await client.post("/v1/batch", content=body)
        retried = await client.post("/v1/batch", content=body)
    assert (first.status_code, retried.status_code) == (200, 200), first.text
    stats = await container.stream.stats()
    assert (stats["accepted"], stats["pending"]) == (4_100, 4_100)  # the retry added nothing
    await drain(container)
    assert await stored_events(container) == 4_100


async def test_the_largest_batch_the_limits_allow_is_accepted_and_one_more_is_a_413(
    api_url: str, container: Container
) -> None:
    key = (await container.sources.create("web")).write_key
    largest = orjson.dumps({"batch": _tracks(BATCH_MESSAGES_LIMIT, with_ids=False)})
    too_many = orjson.dumps({"batch": _tracks(BATCH_MESSAGES_LIMIT + 1, with_ids=False)})
    assert len(too_many) < BATCH_LIMIT  # refused for its count, not its size
    async with httpx.AsyncClient(base_url=api_url, headers=_basic(key), timeout=60) as client:
        accepted = await client.post("/v1/batch", content=largest)
        refused = await client.post("/v1/batch", content=too_many)
    assert accepted.status_code == 200, accepted.text
    assert refused.status_code == 413
    assert refused.json()["message"] == f"batch: more than {BATCH_MESSAGES_LIMIT} messages"
    assert (await container.stream.stats())["pending"] == BATCH_MESSAGES_LIMIT
    await drain(container)
    assert await stored_events(container) == BATCH_MESSAGES_LIMIT


async def test_an_append_that_fails_marks_nothing_so_the_retry_is_stored(
    container: Container,
) -> None:
    source = (await container.sources.create("web")).source
    batch = [message(anon=f"a-{i}", source=source.id, message_id=f"m-{i}") for i in range(20)]
    # The stream's key holds the wrong type: Valkey refuses the append inside the script.
    await container.redis.set(container.stream.stream, "not a stream")
    with pytest.raises(Exception, match="WRONGTYPE"):
        await container.acceptance.accept(source, batch)
    assert await container.redis.keys(f"{container.stream.dedup_prefix}*") == []
    await container.redis.delete(container.stream.stream)
    outcome = await container.acceptance.accept(source, batch)
    assert (outcome.accepted, outcome.duplicates) == (20, 0)
    await drain(container)
    assert await stored_events(container) == 20


async def test_entries_in_the_earlier_one_field_per_message_layout_are_still_resolved(
    container: Container,
) -> None:
    from app.services.tracking.acceptance import encode_message

    source = (await container.sources.create("web")).source
    await container.stream.ensure_group()
    old = [encode_message(message(anon=f"old-{i}", source=source.id)) for i in range(3)]
    await container.redis.xadd(
        container.stream.stream, {"source": source.id, "m1": old[0], "m2": old[1], "m3": old[2]}
    )
    await container.redis.incrby(container.stream.backlog, 3)
    await drain(container)
    assert await stored_events(container) == 3
