"""The change dispatcher on an in-memory feed: notices and stored events gathered per profile,
segments decided, the changes and the memberships they moved fanned out to journeys and
destinations, and entries acknowledged only once all of that succeeded."""

from __future__ import annotations

import asyncio
from contextlib import aclosing

import pytest

from app.ports.changes import ProfileNotice
from app.ports.segments import MembershipChange
from app.services.changes.dispatcher import ChangeDispatcher
from app.services.changes.notices import ProfileNotifier
from app.services.changes.profile_changes import ProfileChanges
from tests.fakes.changes import InMemoryChangeFeed, InMemoryOwnerProfiles
from tests.unit.services.segments.world import T0, SegmentWorld, segment_world


class Receiver:
    """Journeys or destinations as the dispatcher sees them: what each round handed over."""

    def __init__(self, failures: int = 0) -> None:
        self.rounds: list[tuple[ProfileChanges, list[MembershipChange]]] = []
        self.failures = failures

    async def on_changes(self, changes: ProfileChanges, memberships: list[MembershipChange]) -> int:
        if self.failures:
            self.failures -= 1
            raise RuntimeError("journeys failed")
        self.rounds.append((changes, list(memberships)))
        return len(memberships)

    enqueue = on_changes


def dispatcher(
    world: SegmentWorld, owners: dict[str, str], journeys: Receiver, destinations: Receiver
) -> tuple[ChangeDispatcher, ProfileNotifier, InMemoryChangeFeed]:
    feed = world.feed  # the engine announces memberships on the same feed
    return (
        ChangeDispatcher(
            feed,
            InMemoryOwnerProfiles(owners),
            world.service,
            "test",
            journeys=journeys,
            destinations=destinations,
        ),
        ProfileNotifier(feed),
        feed,
    )


async def test_events_reach_their_owners_profile_and_fan_out_with_the_memberships_moved() -> None:
    world = segment_world()
    await world.activate("buyers", {"event": "Order Completed"})
    journeys, destinations = Receiver(), Receiver()
    feed_reader, notifier, feed = dispatcher(
        world, {"k-ann-email": "p-ann"}, journeys, destinations
    )
    await feed_reader.ensure_group()
    world.fakes.tables.add_profile("p-ann", events=[("Order Completed", T0)])

    await notifier.publish([], [("k-ann-email", "Order Completed"), ("k-gone", "Viewed")])
    await notifier.publish([ProfileNotice("p-bob", "traits", ("plan",))])
    assert await feed_reader.step(block_ms=0) == 2

    moved = [MembershipChange("p-ann", "buyers", True, T0)]
    [(changes, memberships)] = journeys.rounds
    assert changes.events == {"p-ann": {"Order Completed"}}  # the unknown owner is dropped
    assert changes.traits == {"p-bob": {"plan"}}
    assert memberships == moved
    assert [(c.events, m) for c, m in destinations.rounds] == [(changes.events, moved)]
    # Acknowledged and deleted: only the engine's own segment notice is left to read.
    assert [n.kind for e in feed.entries.values() for n in e.notices] == ["segment_entered"]


async def test_a_failed_round_is_delivered_again_until_it_succeeds() -> None:
    world = segment_world()
    await world.activate("pro", {"trait": "plan", "op": "eq", "value": "pro"})
    journeys, destinations = Receiver(failures=1), Receiver()
    feed_reader, notifier, feed = dispatcher(world, {}, journeys, destinations)
    await feed_reader.ensure_group()
    world.fakes.tables.add_profile("p-cy", traits={"plan": "pro"})
    await notifier.publish([ProfileNotice("p-cy", "created")])

    with pytest.raises(RuntimeError):
        await feed_reader.step(block_ms=0)
    assert destinations.rounds == [] and len(feed.pending["test"]) == 1
    # The membership was written before the failure: the second round finds nothing to move,
    # yet journeys still get the changes.
    assert await feed_reader.step(block_ms=0) == 1  # the segment notice, a new entry
    assert await feed_reader.step(pending=True) == 1
    assert [c.kinds for c, _ in journeys.rounds] == [
        {"p-cy": {"segment_entered"}},
        {"p-cy": {"created"}},
    ]
    assert feed.pending["test"] == [] and feed.entries == {}


async def test_an_empty_feed_is_a_round_with_nothing_to_do() -> None:
    world = segment_world()
    journeys = Receiver()
    feed_reader, _, _ = dispatcher(world, {}, journeys, Receiver())
    await feed_reader.ensure_group()
    assert await feed_reader.step(block_ms=0) == 0
    assert await feed_reader.step(pending=True) == 0
    assert journeys.rounds == []


async def test_subscribers_hear_only_their_profiles_notices() -> None:
    feed = InMemoryChangeFeed()
    notifier = ProfileNotifier(feed)
    heard: list[ProfileNotice] = []

    async def listen() -> None:
        async with aclosing(notifier.listen("p-ann")) as notices:
            async for notice in notices:
                heard.append(notice)
                if len(heard) == 2:
                    return

    listening = asyncio.create_task(listen())
    await asyncio.sleep(0)  # subscribed
    await notifier.publish([ProfileNotice("p-bob", "traits"), ProfileNotice("p-ann", "consent")])
    await notifier.publish([ProfileNotice("p-ann", "erased")])
    await asyncio.wait_for(listening, 1.0)
    assert [n.kind for n in heard] == ["consent", "erased"]
    assert feed.subscribers == []  # the subscription ended with the iteration
