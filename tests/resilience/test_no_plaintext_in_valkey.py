"""Valkey never holds a tracked payload in clear: not in memory, not in its append-only file,
not in its snapshot, not in dead letters; and once a period's stream key is destroyed, what
its files keep of that period cannot be opened.

Regression: accepted payloads (e-mails included) stayed in Valkey's append-only file minutes
after they were resolved, and an erasure's rewrite left the erased entries in the snapshot.
"""

from __future__ import annotations

import asyncio
import base64
import time
from pathlib import Path

import httpx
import pytest

from app.bootstrap import Container
from app.privacy import DecryptionError
from tests.messages import message
from tests.pipeline import drain, stored_events
from tests.services import Endpoints

pytestmark = pytest.mark.integration

EMAIL = "valkey.marker.person@example.com"
NAME = "Valkeymarker Quillfeather"


def _files(root: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file())


async def _saved(container: Container) -> None:
    """A snapshot written and the append-only file flushed (appendfsync everysec)."""
    before = int((await container.redis.lastsave()).timestamp())
    await container.redis.bgsave()
    for _ in range(100):
        await asyncio.sleep(0.1)
        if int((await container.redis.lastsave()).timestamp()) > before:
            break
    await asyncio.sleep(1.2)


async def test_valkey_files_and_memory_hold_no_payload_in_clear(
    api_url: str, container: Container, endpoints: Endpoints
) -> None:
    if endpoints.local_valkey is None:
        pytest.skip("needs the locally launched Valkey (its files are read)")
    key = (await container.sources.create("web")).write_key
    basic = {"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()}
    identify = {"anonymousId": "vk-1", "traits": {"email": EMAIL, "name": NAME}}
    async with httpx.AsyncClient(base_url=api_url, headers=basic) as client:
        assert (await client.post("/v1/identify", json=identify)).status_code == 200
    raw = await container.redis.xrange(container.stream.stream)
    (sealed,) = raw[0][1][b"m"].split(b"\n")
    await container.stream.dead_letter("web", EMAIL.encode() + b" " + NAME.encode(), "Test")
    await _saved(container)
    waiting = _files(endpoints.local_valkey.instance_dir)
    assert sealed in waiting  # the files do hold the message: sealed
    for marker in (EMAIL, NAME, "Quillfeather"):
        assert marker.encode() not in waiting
        assert all(marker.encode() not in value for _, f in raw for value in f.values())
    assert [m for _, _, m, _ in await container.stream.dead_letters(10)] == [
        EMAIL.encode() + b" " + NAME.encode()
    ]
    await drain(container)
    assert await stored_events(container) == 1
    await container.stream.remove_dead_letter((await container.stream.dead_letters(1))[0][0])


async def test_once_nothing_waits_its_period_key_goes_and_the_files_cannot_be_opened(
    container: Container,
) -> None:
    # Sealed five periods ago (the seal's clock is moved back; the API's is not touched).
    seal = container.stream.seal
    seal.clock = lambda: time.time() - 5 * seal.period_seconds
    source = (await container.sources.create("web")).source
    await container.acceptance.accept(source, [message(anon="old-1", email=EMAIL)])
    raw = await container.redis.xrange(container.stream.stream)
    (sealed,) = raw[0][1][b"m"].split(b"\n")
    seal.clock = time.time
    assert await container.stream.destroy_spent_keys() == 0  # it still waits: its key stays
    await drain(container)
    assert await stored_events(container) == 1
    assert await container.stream.destroy_spent_keys() >= 1
    with pytest.raises(DecryptionError, match="destroyed"):
        seal.open_many([sealed])
