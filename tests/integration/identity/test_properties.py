"""Properties of resolution on a real Neo4j: arrival order, replays, unlink then relink."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.bootstrap import Container
from app.domain.messages import MessageType, TrackedMessage
from tests.identity_checks import partition
from tests.messages import message

pytestmark = pytest.mark.integration

PROPERTY_SETTINGS = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@st.composite
def event_sets(draw: st.DrawFn) -> list[TrackedMessage]:
    """Small worlds with conflicts: few users, shared anonymous ids, e-mails and devices."""
    count = draw(st.integers(min_value=2, max_value=9))
    times = draw(st.lists(st.integers(0, 10_000), min_size=count, max_size=count, unique=True))
    events = []
    for i, at in enumerate(times):
        user = draw(st.one_of(st.none(), st.sampled_from(["u-0", "u-1", "u-2"])))
        anon = draw(st.sampled_from(["a-0", "a-1", "a-2", "a-3"]))
        email = draw(st.one_of(st.none(), st.sampled_from(["e0@x.org", "e1@x.org"])))
        device = draw(st.one_of(st.none(), st.sampled_from(["d-0", "d-1"])))
        kind: MessageType = "identify" if user is not None and draw(st.booleans()) else "track"
        events.append(
            message(
                kind,
                user=user,
                anon=anon,
                email=email,
                device=device,
                at=float(at),
                message_id=f"prop-{i}",
            )
        )
    return events


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
    await container.curation.unlink("anonymous_id", anon, "tester", "property test")
    after_unlink = await partition(container)
    # It may join someone else its evidence points to, but never a former partner again.
    assert not partners & next(group for group in after_unlink if anon_key in group)

    await container.curation.relink("anonymous_id", anon, "tester")
    assert await partition(container) == before
