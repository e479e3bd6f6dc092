"""The resolver on an in-memory stream and ingestion: what is acknowledged when, what is retried,
claimed, dead-lettered and counted. No Valkey, no Neo4j, milliseconds;
tests/integration/test_pipeline.py proves the same path on the real ones."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from app.domain.messages import TrackedMessage
from app.ports.sources import Source
from app.services.identity.ingestion.report import IngestReport
from app.services.tracking.acceptance import AcceptanceService, Backpressure, encode_message
from app.services.tracking.deadletters import DeadLetterService
from app.services.tracking.resolver import Resolver
from tests.fakes.stream import InMemoryEventStream
from tests.messages import message
from tests.support.clock import Clock

SOURCE = Source(id="src-test", ws="test", name="web", trust=1.0)


@dataclass
class Ingestion:
    """Stands in for the identity graph's writer: stores events by message id, refuses the
    ids it is told are poison, and can be made unreachable."""

    stored: dict[str, TrackedMessage] = field(default_factory=dict)
    poison: set[str] = field(default_factory=set)
    down: bool = False
    #: Each call's message ids and whether they were a first delivery.
    calls: list[tuple[list[str], bool]] = field(default_factory=list)

    async def ingest(
        self,
        messages: Sequence[TrackedMessage],
        unseen: bool = False,
        turn: asyncio.Lock | None = None,
    ) -> IngestReport:
        self.calls.append(([m.message_id for m in messages], unseen))
        if self.down:
            raise ConnectionError("Neo4j went away")
        if any(m.message_id in self.poison for m in messages):
            raise ValueError("a message the graph refuses")
        duplicates = sum(1 for m in messages if m.message_id in self.stored)
        self.stored.update((m.message_id, m) for m in messages)
        return IngestReport(stored=len(messages) - duplicates, duplicates=duplicates)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def stream(clock: Clock) -> InMemoryEventStream:
    stream = InMemoryEventStream(dedup_seconds=3600, clock=clock)
    await stream.ensure_group()  # as the resolver's loop does when it starts
    return stream


@pytest.fixture
def ingestion() -> Ingestion:
    return Ingestion()


def _resolver(stream: InMemoryEventStream, ingestion: Ingestion, name: str = "r1") -> Resolver:
    return Resolver(stream, ingestion, name, batch_entries=10, max_attempts=3)


async def _send(stream: InMemoryEventStream, *ids: str) -> None:
    batch = [(i, encode_message(message(anon=f"a-{i}", message_id=i))) for i in ids]
    await stream.accept(SOURCE.id, batch, bound=10_000)


async def test_a_batch_is_acknowledged_only_after_it_is_written(
    stream: InMemoryEventStream, ingestion: Ingestion
) -> None:
    await _send(stream, "m1", "m2")
    await _send(stream, "m3")
    resolver = _resolver(stream, ingestion)
    assert await resolver.step(block_ms=0) == 3
    assert sorted(ingestion.stored) == ["m1", "m2", "m3"]
    assert ingestion.calls == [(["m1", "m2", "m3"], True)]  # one write, a first delivery
    assert stream.waiting() == 0 and stream.backlog == 0 and not stream.pending
    assert stream.counters["processed"] == 3


async def test_an_unreachable_graph_leaves_the_batch_pending_until_the_loop_retries_it(
    stream: InMemoryEventStream, ingestion: Ingestion
) -> None:
    await _send(stream, "m1", "m2")
    resolver = _resolver(stream, ingestion)
    ingestion.down = True
    stop = asyncio.Event()
    loop = asyncio.create_task(resolver.run(stop, block_ms=0))
    while not ingestion.calls:
        await asyncio.sleep(0.01)
    assert stream.waiting() == 2 and len(stream.pending) == 1  # delivered, not acknowledged
    ingestion.down = False  # the loop backs off half a second, then reads its own pending
    while len(ingestion.stored) < 2:
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(loop, 5)
    assert ingestion.calls[-1] == (["m1", "m2"], False)  # not a first delivery any more
    assert stream.waiting() == 0 and not stream.pending


async def test_a_poison_message_is_retried_then_dead_lettered_and_its_neighbours_kept(
    stream: InMemoryEventStream, ingestion: Ingestion
) -> None:
    await _send(stream, "good-1", "bad", "good-2")
    await _send(stream, "other")
    ingestion.poison = {"bad"}
    resolver = _resolver(stream, ingestion)
    await resolver.step(block_ms=0)
    # The batch failed; its entries were tried one by one: the clean one went through.
    assert "other" in ingestion.stored and "bad" not in ingestion.stored
    assert stream.failures and stream.waiting() == 3
    for _ in range(2):  # attempts two and three, from its own pending entries
        await resolver.step(block_ms=0)
    assert sorted(ingestion.stored) == ["good-1", "good-2", "other"]
    [(_, source, payload, reason)] = await stream.dead_letters(10)
    assert (source, reason) == (SOURCE.id, "ValueError")
    assert b'"bad"' in payload
    assert stream.waiting() == 0 and not stream.failures
    assert stream.counters["failed"] == 9 and stream.counters["dead_lettered"] == 1


async def test_a_dead_consumers_entries_are_claimed_by_another_after_they_go_idle(
    stream: InMemoryEventStream, ingestion: Ingestion, clock: Clock
) -> None:
    await _send(stream, "m1")
    dead = _resolver(stream, ingestion, "dead")
    ingestion.down = True
    with pytest.raises(ConnectionError):
        await dead.step(block_ms=0)
    ingestion.down = False
    other = _resolver(stream, ingestion, "alive")
    assert await other.step(block_ms=0) == 0  # not idle long enough to be taken over
    clock.now += 31
    other._last_claim = 0.0  # the claim runs at most every half idle time
    assert await other.step(block_ms=0) == 1
    assert list(ingestion.stored) == ["m1"] and stream.waiting() == 0


async def test_dead_letters_replayed_leave_the_list_and_failures_stay(
    stream: InMemoryEventStream, ingestion: Ingestion
) -> None:
    service = DeadLetterService(stream, ingestion)
    await stream.dead_letter(SOURCE.id, encode_message(message(message_id="late")), "ValueError")
    await stream.dead_letter(SOURCE.id, b"not json", "JSONDecodeError")
    [first, second] = await service.list()
    assert (first.message_id, first.type, first.reason) == ("late", "track", "ValueError")
    assert (second.message_id, second.type) == ("?", "undecodable")
    assert await service.replay() == (1, 1)
    assert [letter.message_id for letter in await service.list()] == ["?"]
    assert list(ingestion.stored) == ["late"]


async def test_acceptance_refuses_past_the_bound_without_appending_and_drops_repeats(
    stream: InMemoryEventStream,
) -> None:
    acceptance = AcceptanceService(stream, bound=3, retry_after=5)
    first = [message(message_id="m1"), message(message_id="m2")]
    outcome = await acceptance.accept(SOURCE, first)
    assert (outcome.accepted, outcome.duplicates) == (2, 0)
    again = await acceptance.accept(SOURCE, [message(message_id="m1")])
    assert (again.accepted, again.duplicates) == (0, 1)  # the tracker's retry
    with pytest.raises(Backpressure) as refused:
        await acceptance.accept(SOURCE, [message(message_id="m3"), message(message_id="m4")])
    assert (refused.value.backlog, refused.value.retry_after) == (2, 5)
    assert stream.waiting() == 2
    # Refused messages left no de-duplication mark: their retry is accepted once there is room.
    resolver = _resolver(stream, Ingestion())
    await resolver.step(block_ms=0)
    outcome = await acceptance.accept(SOURCE, [message(message_id="m3")])
    assert outcome.accepted == 1
