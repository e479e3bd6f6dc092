"""The journey stores (definitions, runs, profile marks): the in-memory fakes behave as the
Neo4j stores do."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest

from app.bootstrap import Container
from app.ports.identity import IdentityTransaction
from app.ports.journey_runs import Run, RunChanges, RunMove, RunStart, StepRecord
from app.ports.journeys import EmittedEvent, JourneyStorage, JourneyVersionSpec, TagChange
from tests.fakes.journeys import InMemoryJourneys
from tests.messages import message

pytestmark = pytest.mark.integration

T0 = 1_700_000_000.0


@dataclass
class JourneyBench:
    storage: JourneyStorage
    #: A profile with one identifier, made from an anonymous id; returns its id.
    profile: Callable[[str], Awaitable[str]]
    tags: Callable[[str], Awaitable[list[str]]]


@pytest.fixture(params=["memory", "neo4j"])
def bench(request: pytest.FixtureRequest) -> JourneyBench:
    """A sync fixture: it asks for the async `container` only for the real store."""
    if request.param == "memory":
        fakes = InMemoryJourneys.create()

        async def profile_in_memory(anon: str) -> str:
            fakes.marks.owners[f"profile-of-{anon}"] = f"test:anonymous_id:k1:{anon}"
            return f"profile-of-{anon}"

        async def tags_in_memory(profile_id: str) -> list[str]:
            return fakes.marks.tags.get(profile_id, [])

        return JourneyBench(fakes.storage, profile_in_memory, tags_in_memory)
    container: Container = request.getfixturevalue("container")

    async def profile_in_graph(anon: str) -> str:
        await container.ingestion.ingest([message(anon=anon)])
        view = await container.profiles.profile_by_identifier("anonymous_id", anon)
        assert view is not None
        return view.id

    return JourneyBench(container.journeys.storage, profile_in_graph, container.browser.tags)


def _spec(name: str, steps: int, by_role: str | None = "admin") -> JourneyVersionSpec:
    definition = {"name": name, "steps": {f"s{i}": {"type": "exit"} for i in range(steps)}}
    return JourneyVersionSpec(name, f"{name} v{steps}", definition, "admin:1", by_role)


async def _move(storage: JourneyStorage, run_id: str, seq: int, changes: RunChanges) -> int | None:
    async def work(tx: IdentityTransaction) -> dict[str, int]:
        return await storage.runs.advance(
            tx, [RunMove(id=run_id, seq=seq, changes=changes)], T0 + 10
        )

    return (await storage.transactions.write(work)).get(run_id)


async def _get(storage: JourneyStorage, run_id: str) -> Run | None:
    return (await storage.runs.read([run_id])).get(run_id)


async def test_versions_are_kept_listed_by_name_and_activated(bench: JourneyBench) -> None:
    store = bench.storage.definitions
    assert await store.save(_spec("welcome", 1), T0) == 1
    assert await store.save(_spec("welcome", 2, None), T0 + 1) == 2
    assert await store.save(_spec("another", 1), T0 + 2) == 1
    listed = [(j.name, j.version, j.active, j.description) for j in await store.all()]
    assert listed == [("another", 1, False, "another v1"), ("welcome", 2, False, "welcome v2")]
    first = await store.version("welcome", 1)
    assert first is not None and (first.by, first.by_role) == ("admin:1", "admin")
    assert sorted(first.definition["steps"]) == ["s0"]
    assert await store.version("welcome", 3) is None and await store.get("nope") is None
    assert await store.set_active("welcome", True, T0 + 3)
    assert not await store.set_active("nope", True, T0 + 3)
    assert await store.active_versions() == [("welcome", 2)]
    welcome = await store.get("welcome")
    assert welcome is not None and (welcome.active, welcome.updated_at) == (True, T0 + 3)
    assert welcome.definition == _spec("welcome", 2).definition


async def test_a_run_moves_only_from_the_seq_it_was_read_at(bench: JourneyBench) -> None:
    runs = bench.storage.runs
    starts = [
        RunStart(id="r1", profile="p1", active_key="welcome|p1"),
        RunStart(id="r2", profile="p2", active_key="welcome|p2"),
    ]
    assert await runs.start("welcome", 1, "hello", "event", starts, T0) == ["r1", "r2"]
    again = RunStart(id="r3", profile="p1", active_key="welcome|p1")
    assert await runs.start("welcome", 1, "hello", "event", [again], T0) == []
    await bench.storage.definitions.save(_spec("welcome", 1), T0)
    [listed] = await bench.storage.definitions.all()
    assert listed.running == 2
    run = await _get(bench.storage, "r1")
    assert run is not None
    assert (run.status, run.step, run.seq, run.recorded, run.waiting_for) == (
        "active",
        "hello",
        0,
        None,
        None,
    )
    waiting = RunChanges(status="waiting", waiting_for="Paid", wait_until=T0 + 60)
    assert await _move(bench.storage, "r1", 5, waiting) is None
    assert await _move(bench.storage, "r1", 0, waiting) == 1
    assert await _move(bench.storage, "r1", 0, waiting) is None
    moved = await _get(bench.storage, "r1")
    assert moved is not None and (moved.seq, moved.status, moved.wait_until) == (
        1,
        "waiting",
        T0 + 60,
    )
    [found] = await runs.waiting_for([("p1", "Paid"), ("p2", "Paid"), ("p1", "Other")])
    assert (found.id, found.seq, found.status, found.waiting_for) == ("r1", 1, "waiting", "Paid")
    done = RunChanges(status="completed", exit_reason="reached the end", waiting_for=None)
    assert await _move(bench.storage, "r1", 1, done) == 2
    assert await runs.start("welcome", 1, "hello", "event", [again], T0 + 20) == ["r3"]
    assert await _get(bench.storage, "nope") is None


async def test_runs_are_read_and_moved_many_at_once_each_from_its_own_seq(
    bench: JourneyBench,
) -> None:
    runs = bench.storage.runs
    starts = [RunStart(id=f"m{i}", profile=f"p{i}", active_key=f"m{i}") for i in range(3)]
    await runs.start("welcome", 1, "hello", "event", starts, T0)
    assert sorted(await runs.read(["m0", "m2", "nope"])) == ["m0", "m2"]
    done = RunChanges(status="completed", exit_reason="reached the end")
    onward = RunChanges(status="active", step="next")
    moves = [
        RunMove(id="m2", seq=0, changes=done),
        RunMove(id="m0", seq=0, changes=onward),
        RunMove(id="m1", seq=4, changes=done),  # another job moved it: left as it is
        RunMove(id="nope", seq=0, changes=done),
    ]

    async def work(tx: IdentityTransaction) -> dict[str, int]:
        return await runs.advance(tx, moves, T0 + 10)

    assert await bench.storage.transactions.write(work) == {"m0": 1, "m2": 1}
    found = await runs.read(["m0", "m1", "m2"])
    assert [(found[r].status, found[r].step, found[r].seq) for r in ("m0", "m1", "m2")] == [
        ("active", "next", 1),
        ("active", "hello", 0),
        ("completed", "hello", 1),
    ]
    again = RunStart(id="m3", profile="p2", active_key="m2")
    assert await runs.start("welcome", 1, "hello", "event", [again], T0) == ["m3"]


def _record(key: str, step: str, outcome: str, at: float) -> StepRecord:
    return StepRecord(key, "r1", "welcome", "p1", step, "add_tag", outcome, "why", at, {"n": 1})


async def test_visit_records_are_kept_by_key_in_history_and_statistics(
    bench: JourneyBench,
) -> None:
    storage = bench.storage
    await storage.runs.start(
        "welcome", 1, "hello", "event", [RunStart(id="r1", profile="p1", active_key="r1")], T0
    )
    await storage.runs.start(
        "welcome", 1, "hello", "event", [RunStart(id="r0", profile="p1", active_key="r0")], T0 - 5
    )

    async def write(*records: StepRecord) -> None:
        async def work(tx: IdentityTransaction) -> None:
            await storage.runs.record(tx, records)

        await storage.transactions.write(work)

    await write(_record("r1:0", "hello", "started", T0 + 1))
    run = await _get(storage, "r1")
    assert run is not None and (run.recorded, run.recorded_seq) == ("started", 0)
    await write(_record("r1:0", "hello", "taken", T0 + 2), _record("r1:1", "bye", "exited", T0 + 3))
    run = await _get(storage, "r1")
    assert run is not None and run.recorded == "taken"
    unrecorded = await _get(storage, "r0")
    assert unrecorded is not None and unrecorded.recorded is None
    newest, oldest = await storage.runs.runs_of("p1", 10)
    assert (newest.id, oldest.id, oldest.steps) == ("r1", "r0", ())
    assert [(s["step"], s["outcome"], s["at"]) for s in newest.steps] == [
        ("hello", "taken", T0 + 2),
        ("bye", "exited", T0 + 3),
    ]
    assert [r.id for r in await storage.runs.runs_of("p1", 1)] == ["r1"]
    assert await storage.runs.stats("welcome") == {"bye": {"exited": 1}, "hello": {"taken": 1}}


async def test_tags_and_emitted_events_land_on_the_profile(bench: JourneyBench) -> None:
    marks = bench.storage.marks
    pid = await bench.profile("anon-marks")
    await marks.change_tags([TagChange(pid, "vip"), TagChange(pid, "new"), TagChange(pid, "vip")])
    assert await bench.tags(pid) == ["new", "vip"]  # in the order given: vip again goes last
    other = await bench.profile("anon-marks-2")
    # One write for many profiles, each profile's changes in the order given; a profile that
    # is gone is passed over.
    await marks.change_tags(
        [
            TagChange(pid, "new", add=False),
            TagChange(other, "vip"),
            TagChange("nobody", "vip"),
            TagChange(other, "gone"),
            TagChange(other, "gone", add=False),
        ]
    )
    assert await bench.tags(pid) == ["vip"]
    assert await bench.tags(other) == ["vip"]
    await marks.change_tags([])
    owners = await marks.owners_of([pid, other, "nobody"])
    assert set(owners) == {pid, other} and owners[pid] != owners[other]
    assert await marks.owners_of([]) == {}
    event = EmittedEvent(
        "test:journey:r1:0", "Welcomed", T0, "journey:welcome", "sealed", owners[pid]
    )
    theirs = EmittedEvent(
        "test:journey:r2:0", "Welcomed", T0, "journey:welcome", "sealed", owners[other]
    )
    gone = EmittedEvent("test:journey:r1:1", "Welcomed", T0, "journey:welcome", "x", "no-key")
    # One write for many events; one whose owner lost its key is not stored; stored twice, once.
    assert await marks.emit_many([event, gone, theirs]) == {event.id, theirs.id}
    assert await marks.emit_many([event]) == {event.id}
    assert await marks.emit_many([]) == set()


async def test_runs_no_job_carries_are_found_oldest_first(bench: JourneyBench) -> None:
    runs = bench.storage.runs
    starts = [RunStart(id=f"s-{n}", profile=f"p-{n}", active_key=f"s-{n}") for n in "abc"]
    await runs.start("welcome", 1, "hello", "event", starts, T0)
    waiting = RunChanges(status="waiting", waiting_for=None, wait_until=T0 + 60)
    assert await _move(bench.storage, "s-b", 0, waiting) == 1  # updated at T0 + 10
    done = RunChanges(status="completed", exit_reason="reached the end")
    assert await _move(bench.storage, "s-c", 0, done) == 1
    assert await runs.stalled(T0 + 1, T0 + 61, 10) == [("s-a", 0), ("s-b", 1)]
    assert await runs.stalled(T0 + 1, T0 + 61, 1) == [("s-a", 0)]
    assert await runs.stalled(T0, T0 + 60, 10) == []  # neither is late yet


async def test_a_stamp_marks_a_run_handled_only_at_the_seq_it_names(bench: JourneyBench) -> None:
    runs = bench.storage.runs
    starts = [RunStart(id=f"t-{n}", profile=f"p-{n}", active_key=f"t-{n}") for n in "ab"]
    await runs.start("welcome", 1, "hello", "event", starts, T0)

    async def work(tx: IdentityTransaction) -> None:
        await runs.touch(tx, [("t-a", 0), ("t-b", 7), ("nope", 0)], T0 + 30)

    await bench.storage.transactions.write(work)
    found = await runs.read(["t-a", "t-b"])
    assert (found["t-a"].updated_at, found["t-a"].seq) == (T0 + 30, 0)
    assert found["t-b"].updated_at == T0
