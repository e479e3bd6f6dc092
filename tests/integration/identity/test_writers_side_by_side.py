"""Writers side by side on one workspace: 2, 4 and 8 concurrent writers give the partition one
writer gives, on the same shuffled traffic, replays and curation included.

Each writer is a task with its own transactions on the real Neo4j, sending its share of the
events one small batch at a time, all at once; the locking protocol (stripe, then profiles) is
what keeps them right. The processes test below does the same through the stream with
`cdp resolver` processes.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.bootstrap import Container
from app.domain.messages import TrackedMessage
from app.services.identity.curated import IdentifierRef
from tests.identity_checks import partition, small_worlds
from tests.messages import message

pytestmark = pytest.mark.integration

WRITERS = (2, 4, 8)

PROPERTY_SETTINGS = settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def crowded_worlds() -> st.SearchStrategy[list[TrackedMessage]]:
    """More events and people than the one-writer properties: contention on components."""
    return small_worlds(events=(8, 32), users=4, anons=6, emails=3, prefix="side")


async def _fresh(container: Container) -> None:
    await container.graph.run_auto_commit("admin/wipe_all")


async def _side_by_side(
    container: Container, events: Sequence[TrackedMessage], writers: int, seed: int
) -> None:
    """Shuffle, deal the events to `writers` writers, and let them all send at once, each one
    batch of one or two messages at a time."""
    shuffled = list(events)
    rng = random.Random(seed)
    rng.shuffle(shuffled)

    async def writer(share: list[TrackedMessage]) -> None:
        while share:
            size = rng.choice((1, 2))
            batch, share = share[:size], share[size:]
            await container.ingestion.ingest(batch)

    await asyncio.gather(*(writer(shuffled[n::writers]) for n in range(writers)))


def _at_most_one_user_each(groups: frozenset[frozenset[str]]) -> None:
    for group in groups:
        users = [k for k in group if ":user_id:" in k]
        assert len(users) <= 1, f"a profile holds {len(users)} user ids"


async def _one_writer(
    container: Container, events: Sequence[TrackedMessage]
) -> frozenset[frozenset[str]]:
    await _fresh(container)
    for event in events:
        await container.ingestion.ingest([event])
    return await partition(container)


@PROPERTY_SETTINGS
@given(events=crowded_worlds(), seed=st.integers(0, 2**32 - 1))
async def test_concurrent_writers_give_the_partition_of_one_writer(
    container: Container, events: list[TrackedMessage], seed: int
) -> None:
    expected = await _one_writer(container, events)
    _at_most_one_user_each(expected)
    for writers in WRITERS:
        await _fresh(container)
        await _side_by_side(container, events, writers, seed + writers)
        assert await partition(container) == expected, f"{writers} writers"


@PROPERTY_SETTINGS
@given(events=crowded_worlds(), seed=st.integers(0, 2**32 - 1))
async def test_concurrent_replays_change_nothing(
    container: Container, events: list[TrackedMessage], seed: int
) -> None:
    ws = container.settings.workspace
    await _one_writer(container, events)
    before = (await partition(container), await container.graph.read("identity/link_counts", ws=ws))
    for writers in WRITERS:
        await _side_by_side(container, events, writers, seed + writers)
        after = (
            await partition(container),
            await container.graph.read("identity/link_counts", ws=ws),
        )
        assert after == before, f"{writers} writers replaying"


@PROPERTY_SETTINGS
@given(events=crowded_worlds(), seed=st.integers(0, 2**32 - 1), pick=st.integers(0, 1000))
async def test_unlink_then_relink_beside_writers_restores_the_partition(
    container: Container, events: list[TrackedMessage], seed: int, pick: int
) -> None:
    before = await _one_writer(container, events)
    anons = sorted({e.anonymous_id for e in events if e.anonymous_id})
    anon = anons[pick % len(anons)]
    anon_key = await container.curation.find_key("anonymous_id", anon)
    partners = next(group for group in before if anon_key in group) - {anon_key}

    # Writers replay the whole traffic (nothing new) while the identifier is unlinked.
    await asyncio.gather(
        container.curation.unlink(IdentifierRef.of("anonymous_id", anon), "tester", "side by side"),
        _side_by_side(container, events, 8, seed),
    )
    after_unlink = await partition(container)
    assert not partners & next(group for group in after_unlink if anon_key in group)
    _at_most_one_user_each(after_unlink)

    await asyncio.gather(
        container.curation.relink(IdentifierRef.of("anonymous_id", anon), "tester"),
        _side_by_side(container, events, 8, seed + 1),
    )
    assert await partition(container) == before


def _hot_rounds(writers: int, rounds: int) -> list[list[list[TrackedMessage]]]:
    """Per writer, per round, a batch: the hot user with a new anonymous id and e-mail, and for
    every second writer another person logging in on the hot user's device."""
    plan: list[list[list[TrackedMessage]]] = []
    for n in range(writers):
        batches = []
        for r in range(rounds):
            batch = [
                message(
                    "identify",
                    user="hot-user",
                    anon=f"hot-anon-{n}-{r}",
                    email=f"hot-{n}-{r}@x.org",
                    at=10.0 + n + r / 10,
                    message_id=f"hot-{n}-{r}",
                )
            ]
            if n % 2:
                batch.append(
                    message(
                        "identify",
                        user=f"other-user-{n}",
                        anon=f"other-anon-{n}-{r}",
                        device="hot-device",
                        at=20.0 + n + r / 10,
                        message_id=f"other-{n}-{r}",
                    )
                )
            batches.append(batch)
        plan.append(batches)
    return plan


async def test_one_persons_identifiers_through_eight_writers_at_once(
    container: Container,
) -> None:
    """A hot component: every writer brings a new identifier of the same person at the same
    moment, and half of them a second person's login on the shared device (a contended merge
    the cap refuses)."""
    first = message("identify", user="hot-user", anon="hot-anon", device="hot-device", at=1.0)
    plan = _hot_rounds(8, 6)
    await _fresh(container)
    await container.ingestion.ingest([first])

    async def writer(batches: list[list[TrackedMessage]]) -> None:
        for batch in batches:
            await container.ingestion.ingest(batch)

    await asyncio.gather(*(writer(batches) for batches in plan))
    concurrent = await partition(container)
    _at_most_one_user_each(concurrent)
    # The caps decide how much of it one profile keeps; the writers must not change that.
    assert len(max(concurrent, key=len)) > 2

    # The same traffic from one writer, in send order, gives the same people.
    in_order = [first, *(m for batches in plan for batch in batches for m in batch)]
    assert await _one_writer(container, in_order) == concurrent
