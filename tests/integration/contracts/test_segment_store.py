"""The segment stores (catalogue, runs, memberships): the in-memory fakes behave as the Neo4j
stores do, conditions included (three-valued logic, event windows in the profile's zone)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from app.bootstrap import Container
from app.ports.identity import IdentityTransaction
from app.ports.segment_predicates import (
    AnyTests,
    EventTest,
    IdentifierTest,
    MemberTest,
    NotTest,
    Predicate,
    TraitTest,
)
from app.ports.segments import Decided, Placement, RunProgress, SegmentSpec, SegmentStorage
from tests.fakes.segments import InMemorySegments
from tests.messages import message
from tests.support.profiles import profile_id

pytestmark = pytest.mark.integration

T0 = 1_795_939_200.0  # 2026-11-29T08:00:00Z


@dataclass(frozen=True)
class Person:
    user: str
    traits: dict[str, Any] = field(default_factory=dict)
    email: bool = False
    events: tuple[tuple[str, float], ...] = ()


@dataclass
class SegmentBench:
    storage: SegmentStorage
    #: A profile made from a person (a user id, maybe an e-mail, traits, events); its id.
    person: Callable[[Person], Awaitable[str]]


@pytest.fixture(params=["memory", "neo4j"])
def bench(request: pytest.FixtureRequest) -> SegmentBench:
    """A sync fixture: it asks for the async `container` only for the real stores."""
    if request.param == "memory":
        fakes = InMemorySegments()

        async def in_memory(p: Person) -> str:
            kinds = {"user_id"} | ({"email"} if p.email else set())
            fakes.tables.add_profile(
                f"p-{p.user}", traits=dict(p.traits), identifiers=kinds, events=list(p.events)
            )
            return f"p-{p.user}"

        return SegmentBench(fakes.storage, in_memory)
    container: Container = request.getfixturevalue("container")

    async def in_graph(p: Person) -> str:
        email = f"{p.user}@example.org" if p.email else None
        identify = message("identify", user=p.user, email=email, traits=p.traits, at=T0 - 99)
        tracked = [message(user=p.user, event=name, at=at) for name, at in p.events]
        await container.ingestion.ingest([identify, *tracked])
        return await profile_id(container, "user_id", p.user)

    return SegmentBench(container.segments.storage, in_graph)


def _spec(name: str, description: str = "") -> SegmentSpec:
    definition = {"name": name, "condition": {"identifier": "email"}}
    return SegmentSpec(name, description, definition, "tester")


async def _write(
    storage: SegmentStorage, enter: Sequence[Placement] = (), leave: Sequence[Placement] = ()
) -> tuple[list[Placement], list[Placement]]:
    async def work(tx: IdentityTransaction) -> tuple[list[Placement], list[Placement]]:
        return (
            await storage.memberships.enter(tx, enter, T0),
            await storage.memberships.leave(tx, leave),
        )

    return await storage.transactions.write(work)


async def test_definitions_are_versioned_listed_by_name_and_activated(bench: SegmentBench) -> None:
    catalog = bench.storage.catalog
    assert await catalog.save(_spec("vip", "first"), T0) == 1
    assert await catalog.save(_spec("vip", "second"), T0 + 1) == 2
    assert await catalog.save(_spec("buyers"), T0 + 2) == 1
    listed = [(s.name, s.version, s.active, s.description, s.members) for s in await catalog.all()]
    assert listed == [("buyers", 1, False, "", 0), ("vip", 2, False, "second", 0)]
    vip = await catalog.get("vip")
    assert vip is not None and vip.definition == _spec("vip").definition
    assert (vip.updated_at, vip.evaluation) == (T0 + 1, None)
    assert await catalog.get("nope") is None
    assert not await catalog.set_active("nope", True, T0)
    assert await catalog.set_active("vip", True, T0 + 3)
    assert await catalog.active_definitions() == [_spec("vip").definition]


async def test_a_run_counts_its_pages_until_a_newer_run_replaces_it(bench: SegmentBench) -> None:
    runs = bench.storage.runs
    for user in ("ann", "bob", "cy"):
        await bench.person(Person(user))
    assert await runs.state("vip") is None
    await bench.storage.catalog.save(_spec("vip"), T0)
    never = await runs.state("vip")
    assert never is not None and (never.run, never.status, never.cursor) == (None, None, "")

    await runs.start("vip", "run-1", T0)
    assert await runs.record("vip", "run-1", RunProgress("p-2", "running", 2, 1, 0), T0 + 1)
    state = await runs.state("vip")
    assert state is not None and (state.run, state.status, state.cursor) == (
        "run-1",
        "running",
        "p-2",
    )
    assert state.definition == _spec("vip").definition and not state.active
    view = await bench.storage.catalog.get("vip")
    assert view is not None and view.evaluation is not None
    e = view.evaluation
    assert (e.status, e.done, e.total, e.entered, e.left, e.finished_at) == (
        "running",
        2,
        3,
        1,
        0,
        None,
    )

    await runs.start("vip", "run-2", T0 + 2)
    assert not await runs.record("vip", "run-1", RunProgress("p-3", "done", 1), T0 + 3)
    assert await runs.record("vip", "run-2", RunProgress("p-3", "done", 3, 2, 0), T0 + 4)
    view = await bench.storage.catalog.get("vip")
    assert view is not None and view.evaluation is not None
    e = view.evaluation
    assert (e.status, e.done, e.entered, e.started_at, e.finished_at) == (
        "done",
        3,
        2,
        T0 + 2,
        T0 + 4,
    )


async def test_memberships_are_made_once_and_ended_once(bench: SegmentBench) -> None:
    ann = await bench.person(Person("ann"))
    bob = await bench.person(Person("bob"))
    for name in ("vip", "buyers"):
        await bench.storage.catalog.save(_spec(name), T0)
    entered, _ = await _write(
        bench.storage,
        enter=[Placement(bob, "vip"), Placement(ann, "vip"), Placement(ann, "buyers")],
    )
    assert entered == sorted(
        [Placement(ann, "buyers"), Placement(ann, "vip"), Placement(bob, "vip")]
    )
    again, left = await _write(
        bench.storage,
        enter=[Placement(ann, "vip"), Placement("nobody", "vip"), Placement(ann, "nope")],
        leave=[Placement(bob, "vip"), Placement(bob, "buyers")],
    )
    assert (again, left) == ([], [Placement(bob, "vip")])
    memberships = bench.storage.memberships
    assert await memberships.of_profile(ann) == [("buyers", T0), ("vip", T0)]
    assert await memberships.of_profile(bob) == []
    # A decision read says which segments its profiles are in: those in none, and unknown
    # ones, left out.
    decided = await memberships.decide([], {ann: [], bob: [], "nobody": []}, T0)
    assert decided.held == {ann: {"buyers", "vip"}}
    assert await memberships.decide([], {}, T0) == Decided({}, {})
    assert await memberships.members("vip", "", 10) == [ann]
    assert await memberships.members("vip", ann, 10) == []
    ordered = sorted([ann, bob])
    assert await memberships.profile_ids("", 1) == ordered[:1]
    assert await memberships.profile_ids(ordered[0], 5) == ordered[1:]
    catalog = await bench.storage.catalog.all()
    assert [(s.name, s.members) for s in catalog] == [("buyers", 1), ("vip", 1)]


async def test_conditions_are_decided_with_three_valued_logic(bench: SegmentBench) -> None:
    ann = await bench.person(
        Person(
            "ann",
            {"plan": "pro", "lifetime_value": 900},
            email=True,
            events=(("Bought", T0 - 3600),),
        )
    )
    bob = await bench.person(Person("bob", {"plan": "free", "lifetime_value": 20}))
    cy = await bench.person(Person("cy", {"timezone": "Pacific/Kiritimati"}, email=True))
    await bench.storage.catalog.save(_spec("vip"), T0)
    await _write(bench.storage, enter=[Placement(cy, "vip")])
    names = {ann: "ann", bob: "bob", cy: "cy"}
    pro = TraitTest("plan", "eq", "pro")
    tests: list[tuple[Predicate, set[str]]] = [
        (pro, {"ann"}),
        (NotTest(pro), {"bob"}),  # cy has no plan: unknown, and not unknown is unknown
        (TraitTest("lifetime_value", "gte", 100), {"ann"}),
        (TraitTest("lifetime_value", "missing"), {"cy"}),
        (TraitTest("plan", "in", ["pro", "team"]), {"ann"}),
        (
            AnyTests((TraitTest("plan", "eq", "free"), IdentifierTest("email"))),
            {"ann", "bob", "cy"},
        ),
        (EventTest("Bought", 1, None, None), {"ann"}),
        (EventTest("Bought", 0, 0, None), {"bob", "cy"}),
        (MemberTest("vip"), {"cy"}),
    ]
    ids = [ann, bob, cy, "nobody"]
    decided = await bench.storage.memberships.decide(
        [t for t, _ in tests], {pid: list(range(len(tests))) for pid in ids}, T0
    )
    met = decided.met
    assert set(met) == {ann, bob, cy}  # an unknown profile meets nothing
    for n, (_, expected) in enumerate(tests):
        assert {names[pid] for pid, found in met.items() if n in found} == expected, tests[n][0]
    total, sample = await bench.storage.memberships.count(NotTest(pro), T0, 5)
    assert (total, sample) == (1, [bob])


async def test_event_windows_count_days_in_the_profiles_time_zone(bench: SegmentBench) -> None:
    late_yesterday_utc = T0 - 9 * 3600  # the 28th, 23:00 UTC: the 29th, 13:00 in Kiritimati
    bought = (("Bought", late_yesterday_utc),)
    kiri = await bench.person(Person("kiri", {"timezone": "Pacific/Kiritimati"}, events=bought))
    london = await bench.person(Person("london", events=bought))
    bogus = await bench.person(Person("bogus", {"timezone": "Mars/Olympus"}, events=bought))
    today, two_days = EventTest("Bought", 1, None, 1), EventTest("Bought", 1, None, 2)
    plan = {pid: [0, 1] for pid in (kiri, london, bogus)}
    decided = await bench.storage.memberships.decide([today, two_days], plan, T0)
    assert decided.met == {kiri: {0, 1}, london: {1}, bogus: {1}}  # an unknown zone counts as UTC
