"""arq worker settings, built from explicit settings; `cdp worker` runs them.

The worker also hosts the stream-fed resolver as a background task (unless
CDP_WORKER_RUNS_RESOLVER=false, e.g. when resolvers run as their own processes): arq is the
tool for jobs and cron, not for a high-rate stream, so the resolver reads Valkey directly.

Neither Neo4j nor Valkey restarting stops the worker: its background loops (resolver, segment
feed, destinations) wait with a bounded back-off and carry on (`keep_running`), a job that
meets either server down is run again later (`retry_when_down`: journey steps, erasures and
the scheduled jobs are idempotent), and `cdp worker` runs arq's loop in a `SupervisedWorker`
(workers/supervised.py), which waits for Valkey instead of exiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from arq import Retry, cron
from arq.typing import WorkerCoroutine

from app.bootstrap import Container, arq_queue, build_container, redis_settings
from app.logs import configure_logging
from app.settings import Settings
from app.supervision import BACKING_SERVICE_DOWN, keep_running, once_up
from workers.jobs import (
    destroy_spent_stream_keys,
    erase_subject,
    evaluate_segment,
    find_likely_duplicates,
    graph_stats,
    heartbeat,
    journey_step,
    journey_steps,
    purge_expired_events,
    redecide_golden_records,
    refresh_segments,
    reresolve_workspace,
    resume_erasures,
    resume_journey_runs,
    resume_redecisions,
    rotate_blind_index,
    rotate_kek,
    sweep_review_queue,
)

log = logging.getLogger(__name__)
Job = Callable[..., Coroutine[Any, Any, Any]]

#: A job that meets Neo4j or Valkey down runs again 2, 4, 8 ... seconds later (at most a minute
#: apart), up to this many tries in all: about a quarter of an hour of outage.
JOB_TRIES = 20
#: How long (s) a starting worker waits for Neo4j (and Valkey) before it gives up.
STARTUP_WAIT = 120.0


def retry_when_down(job: Job) -> WorkerCoroutine:
    """The job, run again later (arq's `Retry`, with a growing delay) when a backing service
    does not answer, instead of failing for good."""

    @functools.wraps(job)
    async def run(ctx: dict[Any, Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return await job(ctx, *args, **kwargs)
        except BACKING_SERVICE_DOWN as exc:
            delay = min(2.0 ** int(ctx.get("job_try", 1)), 60.0)
            log.warning(
                "job %s waits for a backing service (%s); it runs again in %.0f s",
                job.__name__,
                type(exc).__name__,
                delay,
            )
            raise Retry(defer=delay) from None

    return run


#: When each scheduled job runs (arq's cron fields).
SCHEDULE: dict[str, dict[str, Any]] = {
    "heartbeat": {"second": 0},
    "resume_erasures": {"second": 30},
    "resume_redecisions": {"second": 40},
    "sweep_review_queue": {"minute": set(range(3, 60, 5)), "second": 20},
    "find_likely_duplicates": {"minute": 37, "second": 0},
    "resume_journey_runs": {"minute": set(range(1, 60, 5)), "second": 50},
    "purge_expired_events": {"hour": 3, "minute": 17, "second": 0},
    "refresh_segments": {"minute": set(range(5, 60, 10)), "second": 45},
    "destroy_spent_stream_keys": {"minute": set(range(2, 60, 10)), "second": 15},
}


JOBS: list[Job] = [
    heartbeat,
    graph_stats,
    reresolve_workspace,
    rotate_blind_index,
    rotate_kek,
    erase_subject,
    resume_erasures,
    purge_expired_events,
    refresh_segments,
    evaluate_segment,
    journey_step,
    journey_steps,
    destroy_spent_stream_keys,
    redecide_golden_records,
    resume_redecisions,
    resume_journey_runs,
    sweep_review_queue,
    find_likely_duplicates,
]


def background_loops(
    settings: Settings, container: Container
) -> dict[str, Callable[[asyncio.Event], Awaitable[None]]]:
    """The loops the worker runs beside its jobs, by name, as the settings ask."""
    loops: dict[str, Callable[[asyncio.Event], Awaitable[None]]] = {}
    if settings.worker_runs_resolver:
        # A fresh resolver on each start: it reads its own pending entries first.
        loops["resolver"] = lambda stop: container.resolver().run(stop)
    if settings.worker_runs_segments:
        loops["change dispatcher"] = lambda stop: container.change_dispatcher().run(stop)
    if settings.worker_runs_destinations:
        loops["destinations"] = container.destinations.run
    return loops


def worker_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for `arq.worker.Worker`, built from explicit settings (tests use this)."""

    async def on_startup(ctx: dict[str, Any]) -> None:
        configure_logging(settings.log_level, settings.log_json)
        container = await build_container(settings)
        ctx["container"] = container
        await once_up("worker start-up", container.prepare_graph, STARTUP_WAIT)
        # Erasures a dead worker left half-way are finished first.
        await once_up("worker start-up", lambda: resume_erasures(ctx), STARTUP_WAIT)
        stop = asyncio.Event()
        ctx["stop"] = stop
        ctx["background"] = [
            asyncio.create_task(keep_running(name, loop, stop))
            for name, loop in background_loops(settings, container).items()
        ]

    async def on_shutdown(ctx: dict[str, Any]) -> None:
        tasks: list[asyncio.Task[None]] = ctx.get("background", [])
        if tasks:
            ctx["stop"].set()
            with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(asyncio.gather(*tasks), 30)
        container = ctx.get("container")
        if container is not None:
            await container.close()

    every = {job.__name__: retry_when_down(job) for job in JOBS}

    # Valkey may be restarting when the worker starts: arq's own pool tries for a minute.
    valkey = dataclasses.replace(redis_settings(settings), conn_retries=60, conn_retry_delay=1)
    return {
        "functions": list(every.values()),
        # The name, and so the unique id of each tick, carries the workspace: with a shared
        # name only one workspace's worker would run each tick.
        "cron_jobs": [
            cron(every[job], name=f"cron:{settings.workspace}:{job}", unique=True, **when)
            for job, when in SCHEDULE.items()
        ],
        "on_startup": on_startup,
        "on_shutdown": on_shutdown,
        "queue_name": arq_queue(settings.workspace),
        "redis_settings": valkey,
        "max_jobs": settings.worker_max_jobs,
        "poll_delay": settings.worker_poll_seconds,
        "max_tries": JOB_TRIES,
        "job_timeout": 3600,
        "keep_result": 3600,
        "health_check_interval": 30,
    }
