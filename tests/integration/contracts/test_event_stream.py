"""The event stream (app/ports/stream.py): the in-memory fake behaves as the Valkey stream
does, so the resolver's unit tests on the fake (tests/unit/services/tracking) hold on Valkey."""

from __future__ import annotations

import uuid
from typing import Protocol

import pytest

from app.adapters.valkey.stream import EventStream
from app.bootstrap import Container
from app.ports.stream import EventFeed, EventIntake, StreamPurge
from tests.fakes.stream import InMemoryEventStream

pytestmark = pytest.mark.integration


class Stream(EventIntake, EventFeed, StreamPurge, Protocol):
    """Every role of the stream."""


@pytest.fixture(params=["memory", "valkey"])
def stream(request: pytest.FixtureRequest) -> Stream:
    """A sync fixture: it asks for the async `container` only for the real stream (in a
    workspace of its own, so that its keys start empty)."""
    if request.param == "memory":
        return InMemoryEventStream(dedup_seconds=3600)
    container: Container = request.getfixturevalue("container")
    ws = f"contract{uuid.uuid4().hex[:8]}"
    return EventStream(container.redis, ws, 3600, container.stream.seal)


def _batch(*ids: str) -> list[tuple[str, bytes]]:
    return [(i, b'{"id": "%s"}' % i.encode()) for i in ids]


async def test_acceptance_drops_repeats_and_refuses_past_the_bound_leaving_no_marks(
    stream: Stream,
) -> None:
    first = await stream.accept("src", _batch("m1", "m2", "m1"), bound=10)
    assert (first.accepted, first.duplicates, first.refused_backlog) == (2, 1, None)
    again = await stream.accept("src", _batch("m2", "m3"), bound=10)
    assert (again.accepted, again.duplicates) == (1, 1)
    other_source = await stream.accept("app", _batch("m1"), bound=10)
    assert other_source.accepted == 1  # message ids are unique per source only
    refused = await stream.accept("src", _batch("m4", "m5"), bound=5)
    assert (refused.accepted, refused.refused_backlog) == (0, 4)
    await stream.ensure_group()
    entries = await stream.read_new("r1", 10, None)
    await stream.ack(entries, 4)
    retried = await stream.accept("src", _batch("m4", "m5"), bound=5)
    assert retried.accepted == 2  # the refusal left no de-duplication mark behind


async def test_a_group_delivers_each_entry_once_and_keeps_it_pending_until_acknowledged(
    stream: Stream,
) -> None:
    await stream.ensure_group()
    await stream.ensure_group()  # idempotent
    await stream.accept("src", _batch("a1", "a2"), bound=100)
    await stream.accept("src", _batch("b1"), bound=100)
    [first] = await stream.read_new("r1", 1, None)
    assert (first.source, first.messages) == ("src", (b'{"id": "a1"}', b'{"id": "a2"}'))
    [second] = await stream.read_new("r2", 10, None)
    assert second.messages == (b'{"id": "b1"}',)
    assert await stream.read_new("r1", 10, None) == []
    assert [e.id for e in await stream.read_own_pending("r1", 10)] == [first.id]
    assert [e.id for e in await stream.claim_stale("r1", 0, 10)] == [first.id, second.id]
    assert len(await stream.read_own_pending("r1", 10)) == 2
    assert await stream.read_own_pending("r2", 10) == []
    await stream.ack([first], 2)
    assert [e.id for e in await stream.read_own_pending("r1", 10)] == [second.id]
    assert [e.id for e in await stream.entries_after("", 10)] == [second.id]
    assert await stream.claim_stale("r3", 60_000, 10) == []  # not idle for a minute


async def test_an_erasure_rewrites_a_waiting_entry_and_dead_letters_are_kept_in_order(
    stream: Stream,
) -> None:
    await stream.ensure_group()
    await stream.accept("src", _batch("k1", "gone", "k2"), bound=100)
    [entry] = await stream.read_new("r1", 10, None)
    assert await stream.drop_messages(entry, {1}) == 1
    assert await stream.read_own_pending("r1", 10) == []  # the old entry left the group
    [rewritten] = await stream.read_new("r1", 10, None)  # the kept ones wait as new
    assert rewritten.messages == (b'{"id": "k1"}', b'{"id": "k2"}')
    assert await stream.drop_messages(entry, {0}) == 0  # already gone: nothing happens
    await stream.dead_letter("src", b'{"id": "d1"}', "ValueError")
    await stream.dead_letter("app", b'{"id": "d2"}', "TypeError")
    letters = await stream.dead_letters(10)
    assert [(s, p, r) for _, s, p, r in letters] == [
        ("src", b'{"id": "d1"}', "ValueError"),
        ("app", b'{"id": "d2"}', "TypeError"),
    ]
    assert [row[0] for row in await stream.dead_letters_after(letters[0][0], 10)] == [letters[1][0]]
    await stream.remove_dead_letter(letters[0][0])
    assert [row[0] for row in await stream.dead_letters(10)] == [letters[1][0]]


async def test_failed_attempts_are_counted_per_entry_until_forgotten(stream: Stream) -> None:
    assert [await stream.failure_count("e1") for _ in range(3)] == [1, 2, 3]
    assert await stream.failure_count("e2") == 1
    await stream.forget_failures(["e1"])
    assert await stream.failure_count("e1") == 1
