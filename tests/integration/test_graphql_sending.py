"""`track` and `identify` through GraphQL: enqueued like any tracker's message, answered with
the profile the resolver put it in."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from app.bootstrap import Container
from app.settings import Settings

pytestmark = pytest.mark.integration

SEND = """
mutation($message: JSON!, $source: String, $wait: Float!) {
  %s(message: $message, sourceId: $source, waitSeconds: $wait) {
    __typename
    ... on Resolved { profileId messageId }
    ... on Pending { messageId }
    ... on InvalidMessage { message }
    ... on SourceNotFound { message }
  }
}"""


@pytest.fixture
async def resolving(container: Container) -> AsyncIterator[None]:
    stop = asyncio.Event()
    task = asyncio.create_task(container.resolver("graphql-test").run(stop, block_ms=50))
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


async def _send(api_url: str, key: str, kind: str, **variables: Any) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=api_url) as client:
        response = await client.post(
            "/graphql",
            json={"query": SEND % kind, "variables": variables},
            headers={"Authorization": f"Bearer {key}"},
        )
    body = response.json()
    assert "errors" not in body, body["errors"]
    result: dict[str, Any] = body["data"][kind]
    return result


async def test_identify_then_track_answer_with_the_resolved_profile(
    container: Container, api_url: str, settings: Settings, resolving: None
) -> None:
    key = settings.admin_api_key.get_secret_value()
    source = (await container.sources.create("backoffice")).source.id
    first = await _send(
        api_url,
        key,
        "identify",
        source=source,
        wait=5.0,
        message={"userId": "send-u", "anonymousId": "send-a", "traits": {"plan": "pro"}},
    )
    assert first["__typename"] == "Resolved"
    tracked = await _send(
        api_url,
        key,
        "track",
        source=source,
        wait=5.0,
        message={"anonymousId": "send-a", "event": "Clicked", "messageId": "m-send-1"},
    )
    assert tracked == {
        "__typename": "Resolved",
        "profileId": first["profileId"],
        "messageId": "m-send-1",
    }
    view = await container.profiles.profile_by_identifier("user_id", "send-u")
    assert view is not None and view.id == first["profileId"]
    assert await container.profiles.event_count(view.id) == 2


async def test_bad_messages_and_unknown_sources_get_typed_answers(
    container: Container, api_url: str, settings: Settings
) -> None:
    key = settings.admin_api_key.get_secret_value()
    source = (await container.sources.create("backoffice")).source.id
    no_event = await _send(api_url, key, "track", source=source, wait=0.0, message={"userId": "x"})
    assert no_event["__typename"] == "InvalidMessage" and "event" in no_event["message"]
    nobody = await _send(
        api_url, key, "track", source=source, wait=0.0, message={"event": "Clicked"}
    )
    assert nobody["__typename"] == "InvalidMessage"
    unknown = await _send(
        api_url, key, "track", source="nope", wait=0.0, message={"userId": "x", "event": "E"}
    )
    assert unknown["__typename"] == "SourceNotFound"
    # Without a resolver running, the answer is Pending: the message waits in the stream.
    pending = await _send(
        api_url,
        key,
        "track",
        source=source,
        wait=0.0,
        message={"userId": "x", "event": "E", "messageId": "m-wait"},
    )
    assert pending == {"__typename": "Pending", "messageId": "m-wait"}
    assert (await container.stream.stats())["pending"] == 1
