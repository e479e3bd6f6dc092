"""A source's new trust re-decides, in the background, the golden records it weighs in: after
every process has read it, once over the active profiles, resumable from its cursor."""

from __future__ import annotations

import pytest

from app.domain.traits import TraitSchema
from app.errors import InvalidInput, NotFound
from app.ports.redecisions import DONE, RUNNING, WAITING
from app.services.profiles.redecision import STALLED_SECONDS, GoldenRedecisions
from app.services.tracking.sources import SourceService
from tests.fakes.redecisions import InMemoryRedecisionStore
from tests.fakes.sources import InMemorySourceStore
from tests.support.clock import Clock

T0 = 1_700_000_000.0
SETTLE = 31.0


class World:
    """The service over fakes, with what it re-decided and enqueued written down."""

    def __init__(self, page_size: int = 2) -> None:
        self.clock = Clock(T0)
        self.store = InMemoryRedecisionStore("ws")
        self.sources = SourceService(InMemorySourceStore("ws"), clock=self.clock)
        self.redecided: list[list[str]] = []
        self.enqueued: list[tuple[str, float]] = []
        self.forgotten = 0
        self.service = GoldenRedecisions(
            self.store,
            self.sources,
            self.schema,
            self.redecide,
            self.forget,
            self.enqueue,
            clock=self.clock,
            settle_seconds=SETTLE,
            page_size=page_size,
        )

    async def schema(self) -> TraitSchema:
        return TraitSchema(source_trust={"configured": 0.7})

    async def redecide(self, ids: list[str]) -> int:
        self.redecided.append(list(ids))
        return len([i for i in ids if i.endswith("!")])  # "!" marks a record that changes

    def forget(self) -> None:
        self.forgotten += 1

    async def enqueue(self, run_id: str, defer: float) -> None:
        self.enqueued.append((run_id, defer))


async def test_a_new_trust_starts_a_run_that_waits_for_every_process_to_read_it() -> None:
    world = World()
    source = (await world.sources.create("crm", 0.3)).source
    changed, run = await world.service.set_source_trust(source.id, 0.9, "admin")
    assert changed.trust == 0.9
    assert [s.trust for s in await world.sources.list()] == [0.9]
    assert (run.status, run.source, run.by, run.reason) == (
        WAITING,
        source.id,
        "admin",
        "source_trust",
    )
    assert run.not_before == T0 + SETTLE
    assert world.enqueued == [(run.id, SETTLE)]
    assert world.forgotten == 1  # this process decides on the new trust at once


async def test_a_trust_set_by_the_schema_or_out_of_range_or_of_no_source_is_refused() -> None:
    world = World()
    with pytest.raises(InvalidInput, match="source_trust sets this source"):
        await world.service.set_source_trust("configured", 0.9, "admin")
    source = (await world.sources.create("crm", 0.3)).source
    for bad in (0.0, 1.5, float("nan")):
        with pytest.raises(InvalidInput, match="trust must be"):
            await world.service.set_source_trust(source.id, bad, "admin")
    with pytest.raises(NotFound):
        await world.service.set_source_trust("missing", 0.5, "admin")
    assert world.enqueued == [] and await world.store.latest(10) == []


async def test_the_run_re_decides_only_the_profiles_the_source_observed_page_by_page() -> None:
    world = World(page_size=2)
    for pid, sources in {"a": {"crm"}, "b!": {"web"}, "c!": {"crm", "web"}, "d": {"crm"}}.items():
        world.store.add_profile(pid, *sources)
    run = await world.service.request("source_trust", "crm", "admin")
    world.clock.now += SETTLE
    done = await world.service.run(run.id)
    assert world.redecided == [["a"], ["c!", "d"]]
    assert world.forgotten == 1  # decided on the trust just set, not the copy held
    assert (done.status, done.checked, done.total, done.redecided, done.changed) == (
        DONE,
        4,
        4,
        3,
        1,
    )
    assert await world.service.run(run.id) == done  # a second start of a done run does nothing
    assert len(world.redecided) == 2


async def test_a_run_started_before_its_time_waits_for_it() -> None:
    world = World()
    world.store.add_profile("a", "crm")
    run = await world.service.request("source_trust", "crm", "admin")
    world.clock.now += 10
    assert (await world.service.run(run.id)).status == WAITING
    assert world.redecided == [] and world.enqueued[-1] == (run.id, SETTLE - 10)


async def test_a_second_runner_of_the_same_run_stops_where_the_first_moved_on() -> None:
    world = World(page_size=1)
    for pid in ("a", "b", "c"):
        world.store.add_profile(pid, "crm")
    run = await world.service.request("trait_schema", None, "admin")
    world.clock.now += SETTLE
    original = world.store.advance

    async def overtaken(run_then, moved):  # type: ignore[no-untyped-def]
        # Another runner moves the cursor first, after the first page was re-decided here.
        await original(run_then, moved)
        return False

    world.store.advance = overtaken  # type: ignore[method-assign]
    state = await world.service.run(run.id)
    assert state.status == RUNNING and state.after == "a"
    world.store.advance = original  # type: ignore[method-assign]
    finished = await world.service.run(run.id)  # a resumed runner carries on from the cursor
    assert finished.status == DONE and finished.checked == 3
    assert world.redecided == [["a"], ["b"], ["c"]]


async def test_resume_hands_out_only_runs_nobody_carries() -> None:
    world = World()
    world.store.add_profile("a", "crm")
    queued = await world.service.request("source_trust", "crm", "admin")
    world.enqueued.clear()
    assert await world.service.resume() == 0  # its job is queued for its start time
    world.clock.now += SETTLE + STALLED_SECONDS + 1
    assert await world.service.resume() == 1  # that job was lost
    assert world.enqueued == [(queued.id, 0.0)]
    await world.store.start(queued.id, 1, world.clock.now)
    world.enqueued.clear()
    assert await world.service.resume() == 0  # running, and its cursor moved lately
    world.clock.now += STALLED_SECONDS + 1
    assert await world.service.resume() == 1  # its worker died


async def test_runs_are_the_workspace_s_own() -> None:
    world = World()
    run = await world.service.request("trait_schema", None, "admin")
    other = world.store.in_workspace("other")
    assert await other.get(run.id) is None and await other.latest(5) == []
    assert [r.id for r in await world.service.latest(5)] == [run.id]
