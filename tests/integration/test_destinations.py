"""Destinations with real receivers: a webhook receiving signed batches (a merge notice among
them) and recovering after being down, consent filtering, forwarded erasures, and Segment's
batch format accepted by a real Segment-compatible endpoint (this platform's own API)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app.bootstrap import Container
from app.services.changes.profile_changes import ProfileChanges
from app.services.engagement.destinations import DestinationService, DestinationStopped
from app.services.engagement.outbound import WebhookSender, parse_networks, verify
from app.services.identity.curated import MergeOutcome
from app.settings import Settings
from tests.messages import message
from tests.support.webhooks import Receiver

pytestmark = pytest.mark.integration


def _items(receiver: Receiver) -> list[dict[str, Any]]:
    """Items of the batches the receiver accepted."""
    accepted = [r for r in receiver.requests if r["status"] == 200]
    return [i for r in accepted for i in json.loads(r["body"])["items"]]


async def _a_signing_crm_webhook(container: Container, receiver: Receiver) -> DestinationService:
    """Active, signing with `dest-secret`, on every topic, forwarding erasures."""
    destinations = container.destinations
    destinations.sender = WebhookSender(
        ["dest-secret"], parse_networks(["127.0.0.0/8"]), backoff=0.01, attempts=1
    )
    await destinations.save(
        {
            "name": "crm",
            "kind": "webhook",
            "config": {"url": receiver.url},
            "topics": ["profiles", "segments", "events"],
            "forward_erasures": True,
        },
        "tester",
    )
    await destinations.set_active("crm", True)
    return destinations


async def _two_visitors_then_merged(container: Container) -> tuple[MergeOutcome, str]:
    """One views something, the other is only seen; merged by hand: the merge, and who went."""
    feed = container.change_dispatcher("test")
    await feed.ensure_group()
    await container.ingestion.ingest([message(anon="d-a", event="Viewed"), message(anon="d-b")])
    await feed.step(block_ms=100)
    a = await container.profiles.profile_by_identifier("anonymous_id", "d-a")
    b = await container.profiles.profile_by_identifier("anonymous_id", "d-b")
    assert a and b
    merged = await container.curation.merge_profiles([a.id, b.id], "same visitor", "tester")
    await feed.step(block_ms=100)
    return merged, next(p for p in (a.id, b.id) if p != merged.profile_id)


async def _delivered_after_an_outage(
    destinations: DestinationService, receiver: Receiver
) -> list[dict[str, Any]]:
    """The receiver is down for the next attempt; the batches wait, then all go through."""
    receiver.statuses = [503]
    assert await destinations.deliver_all() == 0
    assert (await destinations.stats("crm"))["waiting"] > 0
    destinations._retry_at.clear()  # skip the back-off wait
    while await destinations.deliver_all():
        pass
    return _items(receiver)


async def _dead_lettered_then_replayed(
    destinations: DestinationService, receiver: Receiver, gone: str
) -> None:
    """Down for good: after its attempts the batch is dead-lettered, and a replay delivers it."""
    destinations.max_attempts = 2
    await destinations.forward_erasure([gone], "req-1")
    receiver.statuses = [503, 503]
    for _ in range(2):
        destinations._retry_at.clear()
        await destinations.deliver_all()
    assert (await destinations.stats("crm"))["dead_letters"] == 1
    assert await destinations.replay("crm") == 1
    await destinations.deliver_all()
    assert _items(receiver)[-1] == {
        "type": "erasure",
        "profile_ids": [gone],
        "id": "erasure:req-1",
        "at": _items(receiver)[-1]["at"],
    }


async def test_a_webhook_gets_signed_batches_with_merges_and_survives_an_outage(
    container: Container, receiver: Receiver
) -> None:
    destinations = await _a_signing_crm_webhook(container, receiver)
    merged, gone = await _two_visitors_then_merged(container)
    items = await _delivered_after_an_outage(destinations, receiver)
    assert {(i["type"], i.get("event")) for i in items if i["type"] == "event"} == {
        ("event", "Viewed")
    }
    notices = {
        (i["profile_id"], i["change"], tuple(i["related"])) for i in items if i["type"] == "profile"
    }
    assert (gone, "merged_into", (merged.profile_id,)) in notices
    request = receiver.requests[-1]
    headers = request["headers"]
    assert verify(
        ["dest-secret"], headers["x-cdp-timestamp"], request["body"], headers["x-cdp-signature"]
    )
    stats = await destinations.stats("crm")
    assert stats["waiting"] == 0 and stats["delivered"] == len(items)

    await _dead_lettered_then_replayed(destinations, receiver, gone)


async def test_items_of_profiles_without_consent_are_skipped(
    container: Container, receiver: Receiver
) -> None:
    destinations = container.destinations
    await destinations.save(
        {
            "name": "ads",
            "kind": "webhook",
            "purpose": "Advertising",
            "config": {"url": receiver.url},
            "topics": ["events"],
        },
        "tester",
    )
    await destinations.set_active("ads", True)
    await container.ingestion.ingest(
        [message(user="yes", event="E"), message(user="no", event="E")]
    )
    yes = await container.profiles.profile_by_identifier("user_id", "yes")
    no = await container.profiles.profile_by_identifier("user_id", "no")
    assert yes and no
    await container.consent.set_consent(
        profile_id=yes.id,
        identifier=None,
        purpose="marketing",
        granted=True,
        expires_at=None,
        source=None,
        by="tester",
    )
    await destinations.enqueue(ProfileChanges(events={yes.id: {"E"}, no.id: {"E"}}), [])
    await destinations.deliver_all()
    assert [i["profile_id"] for i in _items(receiver)] == [yes.id]
    stats = await destinations.stats("ads")
    assert (stats["delivered"], stats["skipped_no_consent"]) == (1, 1)


async def test_segment_format_is_accepted_by_a_segment_compatible_endpoint(
    container: Container, settings: Settings, api_url: str
) -> None:
    created = await container.sources.create("forwarded")
    destinations = container.destinations
    await destinations.save(
        {
            "name": "fwd",
            "kind": "segment",
            "config": {"url": api_url, "write_key": created.write_key},
        },
        "tester",
    )
    await destinations.set_active("fwd", True)
    await container.ingestion.ingest([message(anon="s-a", event="Clicked")])
    view = await container.profiles.profile_by_identifier("anonymous_id", "s-a")
    assert view is not None
    before = (await container.stream.stats()).get("accepted", 0)
    await destinations.enqueue(ProfileChanges(events={view.id: {"Clicked"}}), [])
    await destinations.deliver_all()
    assert (await destinations.stats("fwd"))["delivered"] == 1
    assert (await container.stream.stats())["accepted"] == before + 1


async def test_a_stopped_destination_is_not_given_items_and_nothing_is_backfilled(
    container: Container, receiver: Receiver
) -> None:
    destinations = container.destinations
    await destinations.save(
        {
            "name": "paused",
            "kind": "webhook",
            "config": {"url": receiver.url},
            "topics": ["profiles", "events"],
            "forward_erasures": True,
        },
        "tester",
    )
    await container.ingestion.ingest([message(user="p-1", event="Before")])
    view = await container.profiles.profile_by_identifier("user_id", "p-1")
    assert view is not None
    # Created stopped: changes and events are not queued, a journey's item is refused...
    changes = ProfileChanges(events={view.id: {"Before"}}, kinds={view.id: {"created"}})
    assert await destinations.enqueue(changes, []) == 0
    with pytest.raises(DestinationStopped):
        await destinations.send("paused", {"type": "journey", "profile_id": view.id})
    assert (await destinations.stats("paused"))["waiting"] == 0
    # ...but an erasure notice is kept for when it starts.
    assert await destinations.forward_erasure(["gone-1"], "req-p") == 1

    await destinations.set_active("paused", True)
    await destinations.enqueue(ProfileChanges(events={view.id: {"After"}}), [])
    while await destinations.deliver_all():
        pass
    items = _items(receiver)
    assert [i["type"] for i in items] == ["erasure", "event"]
    assert items[1]["event"] == "After"  # nothing from before the start was backfilled

    # Stopped again: what happens meanwhile is not queued.
    await destinations.set_active("paused", False)
    await destinations.enqueue(ProfileChanges(events={view.id: {"Meanwhile"}}), [])
    assert (await destinations.stats("paused"))["waiting"] == 0
