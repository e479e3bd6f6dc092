"""The real tracker SDKs, unchanged, pointed at the API over loopback HTTP.

segment-analytics-python posts JSON (optionally gzip) with Basic auth and `writeKey` in the
body; rudder-sdk-python gzips by default and counts only a 200 as success. Both post to
`<host>/v1/batch`. The SDKs block, so they run in a thread: the server shares this event loop.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rudderstack.analytics.client import Client as RudderClient
from segment.analytics.client import Client as SegmentClient

from app.bootstrap import Container

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


def _calls(client: Any, tag: str) -> int:
    """identify, track, page, screen, group and alias for one person; returns how many."""
    user, anon = f"{tag}-user", f"{tag}-anon"
    client.page(anonymous_id=anon, name="Pricing", properties={"path": "/pricing"})
    client.screen(anonymous_id=anon, name="Onboarding")
    client.alias(previous_id=anon, user_id=user)
    client.identify(user, {"email": f"{tag}@example.com", "plan": "pro"})
    client.track(user, "Signed Up", {"plan": "pro"})
    client.group(user, "acme", {"name": "Acme", "email": "billing@acme.example"})
    return 6


def _segment(api_url: str, write_key: str, errors: list[Exception]) -> int:
    sent = _calls(SegmentClient(write_key, host=api_url, sync_mode=True, max_retries=1), "seg")
    batched = SegmentClient(
        write_key,
        host=api_url,
        gzip=True,
        max_retries=1,
        upload_interval=0.05,
        on_error=lambda error, _batch: errors.append(error),
    )
    for i in range(20):
        batched.track(f"seg-batch-{i % 4}", "Viewed", {"i": i})
    batched.flush()
    batched.join()
    return sent + 20


def _rudder(api_url: str, write_key: str, errors: list[Exception]) -> int:
    sent = _calls(RudderClient(write_key, host=api_url, sync_mode=True, max_retries=1), "rud")
    batched = RudderClient(
        write_key,
        host=api_url,
        max_retries=1,
        upload_interval=0.05,
        on_error=lambda error, _batch: errors.append(error),
    )
    for i in range(20):
        batched.track(f"rud-batch-{i % 4}", "Viewed", {"i": i})
    batched.flush()
    batched.join()
    return sent + 20


async def _resolve(container: Container) -> None:
    await container.stream.ensure_group()
    resolver = container.resolver("e2e-resolver")
    for _ in range(200):
        if (await container.stream.stats()).get("pending", 0) == 0:
            return
        await resolver.step(block_ms=100)
    raise AssertionError("the resolver did not drain the stream")


async def _assert_person(container: Container, tag: str) -> None:
    by_user = await container.profiles.profile_by_identifier("user_id", f"{tag}-user")
    by_anon = await container.profiles.profile_by_identifier("anonymous_id", f"{tag}-anon")
    by_email = await container.profiles.profile_by_identifier("email", f"{tag}@example.com")
    assert by_user is not None and by_anon is not None and by_email is not None
    assert by_user.id == by_anon.id == by_email.id  # alias and identify joined them
    assert await container.profiles.event_count(by_user.id) == 6
    assert (await container.profiles.traits(by_user.id)).get("plan") == "pro"


@pytest.mark.parametrize("sdk", ["segment", "rudder"])
async def test_sdk_calls_are_accepted_and_resolved(
    api_url: str, container: Container, sdk: str
) -> None:
    write_key = (await container.sources.create(sdk)).write_key
    errors: list[Exception] = []
    send = _segment if sdk == "segment" else _rudder
    sent = await asyncio.to_thread(send, api_url, write_key, errors)
    assert errors == []
    stats = await container.stream.stats()
    assert (stats["accepted"], stats["pending"]) == (sent, sent)
    await _resolve(container)
    await _assert_person(container, "seg" if sdk == "segment" else "rud")
    acme = await container.profiles.profile_by_identifier("email", "billing@acme.example")
    assert acme is None


async def test_sdk_retries_of_the_same_message_id_are_stored_once(
    api_url: str, container: Container
) -> None:
    write_key = (await container.sources.create("retry")).write_key

    def send_twice() -> None:
        for _ in range(2):
            client = RudderClient(write_key, host=api_url, sync_mode=True, max_retries=0)
            client.track("u-retry", "Paid", {"amount": 5}, message_id="pay-1")

    await asyncio.to_thread(send_twice)
    assert (await container.stream.stats())["accepted"] == 1


async def test_an_sdk_with_a_wrong_key_gets_a_clear_non_retried_error(api_url: str) -> None:
    errors: list[Exception] = []

    def send() -> None:
        client = SegmentClient(
            "wk_wrong", host=api_url, max_retries=3, on_error=lambda e, _b: errors.append(e)
        )
        client.track("u", "E")
        client.flush()
        client.join()

    await asyncio.to_thread(send)
    assert len(errors) == 1
    assert (getattr(errors[0], "status", None), getattr(errors[0], "code", None)) == (
        401,
        "unauthorized",
    )
