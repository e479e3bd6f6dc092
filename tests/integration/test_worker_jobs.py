"""An arq job goes through real Valkey to a real worker and writes to real Neo4j."""

from __future__ import annotations

import pytest
from arq.worker import Worker

from app.bootstrap import Container, arq_queue
from app.settings import Settings
from tests.burst_worker import run_burst
from workers.settings import worker_options

pytestmark = pytest.mark.integration


async def _run_burst(settings: Settings) -> Worker:
    return await run_burst(settings)


async def test_heartbeat_job_through_valkey_into_neo4j(
    container: Container, settings: Settings
) -> None:
    job = await container.arq.enqueue_job(
        "heartbeat", _queue_name=arq_queue(container.settings.workspace)
    )
    assert job is not None
    worker = await _run_burst(settings)
    assert worker.jobs_complete == 1 and worker.jobs_failed == 0
    result = await job.result(timeout=10)
    assert result["beats"] == 1
    rows = await container.graph.read("graph/read_heartbeat", ws=settings.workspace)
    assert rows[0]["beats"] == 1


async def test_duplicate_job_id_runs_once(container: Container, settings: Settings) -> None:
    first = await container.arq.enqueue_job("graph_stats", _job_id="stats-1")
    second = await container.arq.enqueue_job("graph_stats", _job_id="stats-1")
    assert first is not None and second is None
    await _run_burst(settings)
    assert await first.result(timeout=10) == {"identifiers": 0, "profiles": 0, "events": 0}


async def test_a_workspace_job_runs_only_on_its_own_workspace_worker(
    container: Container, settings: Settings
) -> None:
    """Workspaces share Valkey: each has its own queue and its own cron ids, so one
    workspace's worker never takes (and loses) another's jobs or scheduled ticks."""
    elsewhere = settings.model_copy(update={"workspace": "elsewhere"})
    job = await container.arq.enqueue_job("heartbeat")
    assert job is not None
    other = await _run_burst(elsewhere)
    assert other.jobs_complete == 0  # not its job: it stays queued for its own workspace
    own = await _run_burst(settings)
    assert own.jobs_complete == 1
    assert (await job.result(timeout=10))["beats"] == 1
    crons = {c.name for c in worker_options(settings)["cron_jobs"]}
    other_crons = {c.name for c in worker_options(elsewhere)["cron_jobs"]}
    assert crons and not crons & other_crons
