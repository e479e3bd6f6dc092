"""Properties of resolution on the in-memory graph, many examples each: any arrival order gives
the same partition, replays change nothing, an unlink then a relink restores the partition.
tests/integration/identity/test_properties.py runs a few examples of each on Neo4j."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.domain.messages import TrackedMessage
from app.privacy import BlindIndex, LocalKeyStore
from app.services.identity.curated import IdentifierRef
from app.services.identity.keys import Sealer
from tests.fakes.identity_graph import InMemoryIdentityGraph
from tests.identity_checks import small_worlds
from tests.support.identity_world import IdentityWorld, identity_world

#: One key store for every example of a test (each example starts from an empty graph).
PROPERTY_SETTINGS = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
Partition = frozenset[frozenset[str]]


@pytest.fixture
def keys(tmp_path: Path) -> Iterator[LocalKeyStore]:
    with LocalKeyStore(tmp_path / "keys.sqlite", b"k" * 32) as store:
        yield store


class _Fresh:
    """A new empty graph per arrival order, over one key store (the same keys each time)."""

    def __init__(self, keys: LocalKeyStore) -> None:
        self.sealer = Sealer("ws", BlindIndex({"k1": b"i" * 32}, "k1"), keys)
        self.graph = InMemoryIdentityGraph("ws")

    def world(self) -> IdentityWorld:
        self.graph = InMemoryIdentityGraph("ws")
        return identity_world(self.graph, self.sealer)

    def partition(self) -> Partition:
        groups = self.graph.state.active_profiles("ws").values()
        keys = [k for g in groups for k in g]
        assert len(keys) == len(set(keys)) == len(self.graph.state.identifiers)
        return frozenset(frozenset(g) for g in groups)


async def _one_by_one(world: IdentityWorld, events: list[TrackedMessage]) -> None:
    for event in events:
        await world.ingestion.ingest([event])


@PROPERTY_SETTINGS
@given(events=small_worlds(), seed=st.integers(0, 2**32 - 1))
async def test_any_arrival_order_gives_the_same_partition(
    keys: LocalKeyStore, events: list[TrackedMessage], seed: int
) -> None:
    fresh = _Fresh(keys)
    await _one_by_one(fresh.world(), events)
    expected = fresh.partition()
    shuffled = list(events)
    random.Random(seed).shuffle(shuffled)
    await _one_by_one(fresh.world(), shuffled)
    assert fresh.partition() == expected
    await fresh.world().ingestion.ingest(shuffled)  # one batch: one more order
    assert fresh.partition() == expected


@PROPERTY_SETTINGS
@given(events=small_worlds())
async def test_replaying_events_changes_nothing(
    keys: LocalKeyStore, events: list[TrackedMessage]
) -> None:
    fresh = _Fresh(keys)
    world = fresh.world()
    await _one_by_one(world, events)
    before = (fresh.partition(), dict(fresh.graph.state.links))
    report = await world.ingestion.ingest(events)
    await _one_by_one(world, events)
    assert report.stored == 0 and report.duplicates == len(events)
    assert (fresh.partition(), dict(fresh.graph.state.links)) == before


@PROPERTY_SETTINGS
@given(events=small_worlds(), pick=st.integers(0, 1000))
async def test_unlink_then_relink_restores_the_partition(
    keys: LocalKeyStore, events: list[TrackedMessage], pick: int
) -> None:
    fresh = _Fresh(keys)
    world = fresh.world()
    await _one_by_one(world, events)
    before = fresh.partition()
    anons = sorted({e.anonymous_id for e in events if e.anonymous_id})
    anon = IdentifierRef.of("anonymous_id", anons[pick % len(anons)])
    key = world.key("anonymous_id", anons[pick % len(anons)])
    partners = next(group for group in before if key in group) - {key}
    await world.curation.unlink(anon, "tester", "property test")
    # It may join someone else its evidence points to, never a former partner again.
    assert not partners & next(group for group in fresh.partition() if key in group)
    await world.curation.relink(anon, "tester")
    assert fresh.partition() == before
