"""Activating a segment evaluates it over every profile as a run the caller can follow: done
in the request on a small workspace, handed to a worker job past its inline time, resumed
from its cursor after a failure, on Neo4j (a pause stopping a run and a newer run replacing an
older one: tests/unit/services/segments/test_whole_evaluation.py, on the fakes)."""

from __future__ import annotations

import pytest
from neo4j.exceptions import ServiceUnavailable

from app.bootstrap import Container
from app.domain.segments import SegmentDefinition
from app.services.engagement.segments.evaluation import DecidePage, PageOutcome
from app.settings import Settings
from tests.burst_worker import run_burst
from tests.messages import message

pytestmark = pytest.mark.integration

PRO = {"name": "pro", "condition": {"trait": "plan", "op": "eq", "value": "pro"}}


async def _people(container: Container, pro: int, free: int) -> None:
    await container.ingestion.ingest(
        [message("identify", user=f"pro-{i}", traits={"plan": "pro"}) for i in range(pro)]
        + [message("identify", user=f"free-{i}", traits={"plan": "free"}) for i in range(free)]
    )


class Handed:
    """Records the runs a request hands over, instead of queueing them for a worker (the
    worker's own path is the last test's)."""

    def __init__(self) -> None:
        self.runs: list[tuple[str, str]] = []

    async def __call__(self, name: str, run: str) -> None:
        self.runs.append((name, run))


@pytest.fixture
def handed(container: Container, monkeypatch: pytest.MonkeyPatch) -> Handed:
    """Runs handed over at once: nothing is evaluated in the request."""
    recorder = Handed()
    monkeypatch.setattr(container.segments.evaluations, "enqueue", recorder)
    monkeypatch.setattr(container.segments.evaluations, "inline_seconds", 0.0)
    return recorder


async def test_a_small_workspace_is_evaluated_within_the_request(container: Container) -> None:
    await _people(container, pro=2, free=1)
    await container.segments.save(PRO, "tester")
    view = await container.segments.set_active("pro", True)
    assert view.members == 2
    assert view.evaluation is not None
    e = view.evaluation
    assert (e.status, e.done, e.total, e.entered, e.left) == ("done", 3, 3, 2, 0)
    assert e.finished_at is not None and e.finished_at >= e.started_at


async def test_past_its_inline_time_a_run_goes_on_from_its_cursor_after_a_failure(
    container: Container, handed: Handed, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _people(container, pro=3, free=2)
    evaluations = container.segments.evaluations
    monkeypatch.setattr(evaluations, "page", 2)
    await container.segments.save(PRO, "tester")
    view = await container.segments.set_active("pro", True)
    assert view.evaluation is not None and view.evaluation.status == "running"
    assert (view.members, view.evaluation.done, view.evaluation.total) == (0, 0, 5)
    [(name, run)] = handed.runs
    assert name == "pro"

    pages = 0
    prepare = evaluations.prepare

    async def fails_on_the_second_page(segment: SegmentDefinition) -> DecidePage:
        decide = await prepare(segment)

        async def page(ids: list[str]) -> PageOutcome:
            nonlocal pages
            pages += 1
            if pages == 2:
                raise ServiceUnavailable("Neo4j went away")
            return await decide(ids)

        return page

    monkeypatch.setattr(evaluations, "prepare", fails_on_the_second_page)
    with pytest.raises(ServiceUnavailable):
        await evaluations.resume(name, run)
    half = (await container.segments.get("pro")).evaluation
    assert half is not None and (half.status, half.done) == ("running", 2)

    monkeypatch.setattr(evaluations, "prepare", prepare)
    assert await evaluations.resume(name, run) == "done"  # as arq runs the job again
    view = await container.segments.get("pro")
    assert view.evaluation is not None
    assert (view.evaluation.done, view.evaluation.entered, view.members) == (5, 3, 3)


async def test_a_worker_finishes_the_run_the_request_handed_over(
    container: Container, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _people(container, pro=2, free=2)
    monkeypatch.setattr(container.segments.evaluations, "inline_seconds", 0.0)
    await container.segments.save(PRO, "tester")
    started = await container.segments.set_active("pro", True)
    assert started.evaluation is not None and started.evaluation.status == "running"
    worker = await run_burst(settings, worker_runs_segments=False, worker_runs_destinations=False)
    assert (worker.jobs_complete, worker.jobs_failed) == (1, 0)
    view = await container.segments.get("pro")
    assert view.evaluation is not None
    assert (view.evaluation.status, view.evaluation.done, view.members) == ("done", 4, 2)
