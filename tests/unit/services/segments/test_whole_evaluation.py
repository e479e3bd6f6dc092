"""Whole evaluations on in-memory stores: a run decides every profile page by page, hands
itself to a job past its inline time, resumes from its cursor, stops when the segment is
paused, gives way to a newer run, and records a failure."""

from __future__ import annotations

import pytest

from app.domain.segments import SegmentDefinition
from app.services.engagement.segments.evaluation import DecidePage, PageOutcome
from tests.unit.services.segments.world import SegmentWorld, segment_world

PRO = {"name": "pro", "condition": {"trait": "plan", "op": "eq", "value": "pro"}}


class Handed:
    """Runs handed to a worker job, instead of queued."""

    def __init__(self) -> None:
        self.runs: list[tuple[str, str]] = []

    async def __call__(self, name: str, run: str) -> None:
        self.runs.append((name, run))


def people(world: SegmentWorld, pro: int, free: int) -> None:
    for i in range(pro):
        world.fakes.tables.add_profile(f"p-pro-{i}", traits={"plan": "pro"})
    for i in range(free):
        world.fakes.tables.add_profile(f"p-free-{i}", traits={"plan": "free"})


def handed_over(world: SegmentWorld) -> Handed:
    """Nothing is evaluated in the request: every run goes to a job at once."""
    handed = Handed()
    world.service.evaluations.enqueue = handed
    world.service.evaluations.inline_seconds = 0.0
    return handed


async def test_activation_decides_every_profile_page_by_page() -> None:
    world = segment_world()
    people(world, pro=3, free=2)
    world.service.evaluations.page = 2
    await world.service.save(PRO, "tester")
    view = await world.service.set_active("pro", True)
    assert view.members == 3 and view.evaluation is not None
    e = view.evaluation
    assert (e.status, e.done, e.total, e.entered, e.left) == ("done", 5, 5, 3, 0)
    assert e.finished_at is not None and e.finished_at >= e.started_at


async def test_a_handed_over_run_resumes_from_its_cursor_after_a_failure() -> None:
    world = segment_world()
    people(world, pro=3, free=2)
    handed = handed_over(world)
    evaluations = world.service.evaluations
    evaluations.page = 2
    await world.service.save(PRO, "tester")
    view = await world.service.set_active("pro", True)
    assert view.evaluation is not None and view.evaluation.status == "running"
    assert (view.members, view.evaluation.done, view.evaluation.total) == (0, 0, 5)
    [(name, run)] = handed.runs

    pages = 0
    prepare = evaluations.prepare

    async def fails_on_the_second_page(segment: SegmentDefinition) -> DecidePage:
        decide = await prepare(segment)

        async def page(ids: list[str]) -> PageOutcome:
            nonlocal pages
            pages += 1
            if pages == 2:
                raise ConnectionError("the graph went away")
            return await decide(ids)

        return page

    evaluations.prepare = fails_on_the_second_page
    with pytest.raises(ConnectionError):
        await evaluations.resume(name, run)
    half = (await world.service.get("pro")).evaluation
    assert half is not None and (half.status, half.done) == ("running", 2)

    evaluations.prepare = prepare
    assert await evaluations.resume(name, run) == "done"  # as arq runs the job again
    view = await world.service.get("pro")
    assert view.evaluation is not None
    assert (view.evaluation.done, view.evaluation.entered, view.members) == (5, 3, 3)


async def test_a_pause_stops_a_run_and_a_newer_run_replaces_an_older_one() -> None:
    world = segment_world()
    people(world, pro=2, free=0)
    handed = handed_over(world)
    evaluations = world.service.evaluations
    await world.service.save(PRO, "tester")
    await world.service.set_active("pro", True)
    paused = await world.service.set_active("pro", False)
    assert paused.evaluation is not None and paused.evaluation.status == "stopped"
    assert await evaluations.resume(*handed.runs[0]) == "stopped"
    assert (await world.service.get("pro")).members == 0

    await world.service.set_active("pro", True)
    await world.service.save({**PRO, "description": "a new version"}, "tester")
    older, newer = handed.runs[1:]
    assert await evaluations.resume(*older) == "superseded"
    assert await evaluations.resume(*newer) == "done"
    view = await world.service.get("pro")
    assert (view.version, view.members) == (2, 2)


async def test_an_error_other_than_an_unreachable_server_fails_the_run() -> None:
    world = segment_world()
    people(world, pro=1, free=0)
    handed = handed_over(world)
    await world.service.save(PRO, "tester")
    await world.service.set_active("pro", True)

    async def broken(segment: SegmentDefinition) -> DecidePage:
        raise ValueError("a bug")

    world.service.evaluations.prepare = broken
    with pytest.raises(ValueError):
        await world.service.evaluations.resume(*handed.runs[0])
    view = await world.service.get("pro")
    assert view.evaluation is not None and view.evaluation.status == "failed"
    assert view.evaluation.finished_at is not None
