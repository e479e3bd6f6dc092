"""Properties of resolution on a real Neo4j: arrival order, replays, unlink then relink. A few
examples each: tests/unit/services/identity/test_properties.py runs many more of the same on the
in-memory graph, which the contract test proves answers as Neo4j does; these keep the real
adapter under the same properties."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.bootstrap import Container
from app.domain.messages import TrackedMessage
from app.services.identity.curated import IdentifierRef
from tests.identity_checks import partition, small_worlds

pytestmark = pytest.mark.integration

PROPERTY_SETTINGS = settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def event_sets() -> st.SearchStrategy[list[TrackedMessage]]:
    return small_worlds()


async def _fresh(container: Container) -> None:
    await container.graph.run_auto_commit("admin/wipe_all")


async def _ingest_one_by_one(container: Container, events: list[TrackedMessage]) -> None:
    for event in events:
        await container.ingestion.ingest([event])


@PROPERTY_SETTINGS
@given(events=event_sets(), seed=st.integers(0, 2**32 - 1))
async def test_any_arrival_order_gives_the_same_partition(
    container: Container, events: list[TrackedMessage], seed: int
) -> None:
    await _fresh(container)
    await _ingest_one_by_one(container, events)
    expected = await partition(container)

    shuffled = list(events)
    random.Random(seed).shuffle(shuffled)
    await _fresh(container)
    await _ingest_one_by_one(container, shuffled)
    assert await partition(container) == expected

    # One batch holding everything is one more arrival order.
    await _fresh(container)
    await container.ingestion.ingest(shuffled)
    assert await partition(container) == expected


@PROPERTY_SETTINGS
@given(events=event_sets())
async def test_replaying_events_changes_nothing(
    container: Container, events: list[TrackedMessage]
) -> None:
    await _fresh(container)
    await _ingest_one_by_one(container, events)
    ws = container.settings.workspace
    before = (await partition(container), await container.graph.read("identity/link_counts", ws=ws))

    report = await container.ingestion.ingest(events)
    await _ingest_one_by_one(container, events)
    assert report.stored == 0 and report.duplicates == len(events)
    after = (await partition(container), await container.graph.read("identity/link_counts", ws=ws))
    assert after == before


@PROPERTY_SETTINGS
@given(events=event_sets(), pick=st.integers(0, 1000))
async def test_unlink_then_relink_restores_the_partition(
    container: Container, events: list[TrackedMessage], pick: int
) -> None:
    await _fresh(container)
    await _ingest_one_by_one(container, events)
    before = await partition(container)
    anons = sorted({e.anonymous_id for e in events if e.anonymous_id})
    anon = anons[pick % len(anons)]

    anon_key = await container.curation.find_key("anonymous_id", anon)
    partners = next(group for group in before if anon_key in group) - {anon_key}
    await container.curation.unlink(
        IdentifierRef.of("anonymous_id", anon), "tester", "property test"
    )
    after_unlink = await partition(container)
    # It may join someone else its evidence points to, but never a former partner again.
    assert not partners & next(group for group in after_unlink if anon_key in group)

    await container.curation.relink(IdentifierRef.of("anonymous_id", anon), "tester")
    assert await partition(container) == before
