"""The erasure record store: the in-memory fake behaves as the Neo4j store does (requests,
leases, steps, receipts and suppressions)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass

import pytest

from app.adapters.identity_graph import IdentityGraph
from app.adapters.stores.erasure import Neo4jErasureRecordStore
from app.bootstrap import Container
from app.ports.erasure import ErasureRecordStore, RecordedPlan, SubjectIdentifier, Suppression
from app.ports.identity import IdentityTransaction
from tests.fakes.erasure import InMemoryErasureRecordStore, NoTransaction

pytestmark = pytest.mark.integration

T0 = 1_700_000_000.0
Work = Callable[[IdentityTransaction], Awaitable[None]]
PLAN = RecordedPlan(
    profiles=["p-1", "p-0"],
    erase_keys=["k-email", "k-user"],
    shared_keys=["k-tablet"],
    sealed_keys=[],
    counts={"identifiers_by_type": {"email": 1, "user_id": 1}, "merged_profiles": 1},
)
ERASE = [SubjectIdentifier("k-email", "email"), SubjectIdentifier("k-user", "user_id")]


@dataclass
class RecordsBench:
    store: ErasureRecordStore
    #: The same graph seen from another workspace.
    elsewhere: ErasureRecordStore
    #: Runs work in an identity transaction.
    in_tx: Callable[[Work], Awaitable[None]]


# A plain fixture: it asks for the async `container` only for the Neo4j store, which pytest can
# set up only outside a running event loop.
@pytest.fixture(params=["memory", "neo4j"])
def bench(request: pytest.FixtureRequest) -> Iterator[RecordsBench]:
    if request.param == "memory":
        fake = InMemoryErasureRecordStore()

        async def in_no_tx(work: Work) -> None:
            await work(NoTransaction())

        yield RecordsBench(fake, fake.in_workspace("elsewhere"), in_no_tx)
        return
    container: Container = request.getfixturevalue("container")
    graph = container.identity
    other = IdentityGraph(graph.driver, graph.database, "elsewhere")
    yield RecordsBench(Neo4jErasureRecordStore(graph), Neo4jErasureRecordStore(other), graph.write)


async def _started(bench: RecordsBench, request_id: str, at: float) -> None:
    async def work(tx: IdentityTransaction) -> None:
        await bench.store.record_start(tx, request_id, at, PLAN, ERASE)

    await bench.in_tx(work)


async def test_requests_are_listed_newest_first_in_their_workspace(bench: RecordsBench) -> None:
    store = bench.store
    await store.create("r-1", T0, "dpo", "art. 17", "p-1")
    await store.create("r-2", T0 + 1, "dpo", "", "p-2")
    first = await store.get("r-1")
    assert first is not None
    assert (first.status, first.requested_at, first.requested_by, first.reason) == (
        "requested",
        T0,
        "dpo",
        "art. 17",
    )
    assert (first.profile_id, first.plan, first.steps, first.counts) == ("p-1", None, [], {})
    assert await store.get("r-9") is None
    assert [r.id for r in await store.recent(10)] == ["r-2", "r-1"]
    assert [r.id for r in await store.recent(1)] == ["r-2"]
    assert await store.open() == [("r-1", None), ("r-2", None)]
    assert await bench.elsewhere.get("r-1") is None
    assert await bench.elsewhere.recent(10) == []
    assert await bench.elsewhere.lease("r-1", "a", T0, T0 + 30) is None


async def test_one_runner_holds_the_lease_until_it_runs_out(bench: RecordsBench) -> None:
    store = bench.store
    await store.create("r-1", T0, "dpo", "", "p-1")
    held = await store.lease("r-1", "a", T0, T0 + 30)
    assert held is not None and held.lease_until == T0 + 30
    assert await store.lease("r-1", "b", T0 + 10, T0 + 40) is None
    renewed = await store.lease("r-1", "a", T0 + 10, T0 + 40)
    assert renewed is not None and renewed.lease_until == T0 + 40
    assert await store.lease("r-1", "b", T0 + 39, T0 + 69) is None
    assert await store.lease("r-1", "b", T0 + 41, T0 + 71) is not None
    assert await store.open() == [("r-1", T0 + 71)]
    assert await store.lease("r-9", "a", T0, T0 + 30) is None


async def test_a_started_request_keeps_its_plan_steps_and_counters(bench: RecordsBench) -> None:
    store = bench.store
    await store.create("r-1", T0, "dpo", "", "p-1")
    await _started(bench, "r-1", T0 + 5)
    await _started(bench, "r-1", T0 + 9)  # planned again: when it started stays
    await store.mark_step("r-1", "stream", {"stream_messages": 3, "dead_letters": 0})

    async def graph_step(tx: IdentityTransaction) -> None:
        await store.mark_step_in(tx, "r-1", "graph", {"shared_unlinked": 1})

    await bench.in_tx(graph_step)
    record = await store.get("r-1")
    assert record is not None
    assert (record.status, record.started_at, record.plan) == ("running", T0 + 5, PLAN)
    assert record.steps == ["stream", "graph"]
    assert record.counts == {
        "suppressed": 2,
        "stream_messages": 3,
        "dead_letters": 0,
        "shared_unlinked": 1,
    }
    assert await store.suppressions() == [
        Suppression("k-email", "email", T0 + 5, "r-1"),
        Suppression("k-user", "user_id", T0 + 5, "r-1"),
    ]


async def test_failed_requests_are_retried_from_their_plan(bench: RecordsBench) -> None:
    store = bench.store
    await store.create("r-1", T0, "dpo", "", "p-1")
    await store.create("r-2", T0 + 1, "dpo", "", "p-2")
    await _started(bench, "r-1", T0 + 5)
    assert await store.lease("r-1", "a", T0 + 5, T0 + 35) is not None
    await store.fail("r-1", "RuntimeError", T0 + 6)
    await store.fail("r-2", "Conflict", T0 + 6)
    failed = await store.get("r-1")
    assert failed is not None
    assert (failed.status, failed.error, failed.lease_until) == ("failed", "RuntimeError", None)
    assert await store.lease("r-1", "b", T0 + 7, T0 + 37) is None
    assert await store.open() == []
    assert sorted(await store.retry_failed()) == ["r-1", "r-2"]
    assert [(r.id, r.status) for r in await store.recent(10)] == [
        ("r-2", "requested"),
        ("r-1", "running"),
    ]
    # The failed runner let go: another takes the request at once.
    assert await store.lease("r-1", "b", T0 + 7, T0 + 37) is not None
    assert await store.retry_failed() == []


async def test_a_completed_request_keeps_only_its_receipt_and_counters(
    bench: RecordsBench,
) -> None:
    store = bench.store
    await store.create("r-1", T0, "dpo", "art. 17", "p-1")
    await _started(bench, "r-1", T0 + 5)
    assert await store.lease("r-1", "a", T0 + 5, T0 + 35) is not None
    await store.mark_step("r-1", "keys", {"data_keys": 2})
    await store.complete("r-1", T0 + 20, '{"counts": {"data_keys": 2}}')
    done = await store.get("r-1")
    assert done is not None
    assert (done.status, done.completed_at, done.receipt) == (
        "completed",
        T0 + 20,
        '{"counts": {"data_keys": 2}}',
    )
    assert (done.profile_id, done.lease_until, done.error) == (None, None, None)
    assert done.plan == RecordedPlan([], [], [], [], {})
    assert done.counts == {"suppressed": 2, "data_keys": 2} and done.reason == "art. 17"
    assert await store.open() == []
    assert await store.lease("r-1", "a", T0 + 21, T0 + 51) is None
    await store.ensure_receipt("r-1", T0 + 99, "{}", T0, "someone")
    assert await store.get("r-1") == done
    await store.ensure_receipt("r-0", T0 - 10, '{"counts": {}}', T0 - 20, "dpo")
    restored = await store.get("r-0")
    assert restored is not None
    assert (restored.status, restored.requested_at, restored.requested_by) == (
        "completed",
        T0 - 20,
        "dpo",
    )
    assert (restored.completed_at, restored.receipt) == (T0 - 10, '{"counts": {}}')


async def test_suppressions_are_put_back_and_lifted_in_their_workspace(
    bench: RecordsBench,
) -> None:
    store = bench.store
    one, two = Suppression("k-b", "email", T0, "r-1"), Suppression("k-a", "phone", T0, "r-1")
    await store.ensure_suppressions([one, two])
    await store.ensure_suppressions([Suppression("k-b", "email", T0 + 50, "r-7")])
    assert await store.suppressions() == [two, one]
    assert await bench.elsewhere.suppressions() == []
    assert await bench.elsewhere.unsuppress("k-a") is False
    assert await store.unsuppress("k-a") is True
    assert await store.unsuppress("k-a") is False
    assert await store.suppressions() == [one]
