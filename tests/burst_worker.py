"""The real arq worker in a test: it runs the jobs already enqueued, then stops."""

from __future__ import annotations

from typing import Any

from arq.worker import Worker

from app.settings import Settings
from workers.settings import worker_options


async def run_burst(settings: Settings, jobs: int = -1, **update: Any) -> Worker:
    """Run the workspace's worker in burst mode, without its resolver (tests drain the stream
    themselves) or cron jobs (only what the test enqueued); `update` overrides more settings,
    such as `worker_runs_segments=False`. `jobs`: stop after starting that many jobs instead
    of waiting for every job queued, deferred ones included. Returns the worker, for its job
    counts."""
    options = worker_options(settings.model_copy(update={"worker_runs_resolver": False, **update}))
    options["cron_jobs"] = []
    worker = Worker(
        **{**options, "poll_delay": 0.05},
        burst=True,
        handle_signals=False,
        max_burst_jobs=jobs,
    )
    await worker.main()
    await worker.close()
    return worker
