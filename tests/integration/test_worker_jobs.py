"""An arq job goes through real Valkey to a real worker and writes to real Neo4j."""

from __future__ import annotations

import pytest
from arq.worker import Worker

from app.bootstrap import ARQ_QUEUE, Container
from app.settings import Settings
from workers.settings import worker_options

pytestmark = pytest.mark.integration


async def _run_burst(settings: Settings) -> Worker:
    settings = settings.model_copy(update={"worker_runs_resolver": False})
    options = worker_options(settings)
    options["cron_jobs"] = []  # only the jobs this test enqueued
    worker = Worker(**options, burst=True, poll_delay=0.05, handle_signals=False)
    await worker.main()
    await worker.close()
    return worker


async def test_heartbeat_job_through_valkey_into_neo4j(
    container: Container, settings: Settings
) -> None:
    job = await container.arq.enqueue_job("heartbeat", _queue_name=ARQ_QUEUE)
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
