"""arq worker settings, built from explicit settings; `cdp worker` runs them.

The worker also hosts the stream-fed resolver as a background task (unless
CDP_WORKER_RUNS_RESOLVER=false, e.g. when resolvers run as their own processes): arq is the
tool for jobs and cron, not for a high-rate stream, so the resolver reads Valkey directly.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from arq import cron

from app.bootstrap import ARQ_QUEUE, build_container, redis_settings
from app.logs import configure_logging
from app.settings import Settings
from workers.jobs import (
    destroy_spent_stream_keys,
    erase_subject,
    graph_stats,
    heartbeat,
    journey_step,
    purge_expired_events,
    refresh_segments,
    reresolve_workspace,
    resume_erasures,
    rotate_blind_index,
    rotate_kek,
)


def worker_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for `arq.worker.Worker`, built from explicit settings (tests use this)."""

    async def on_startup(ctx: dict[str, Any]) -> None:
        configure_logging(settings.log_level, settings.log_json)
        container = await build_container(settings)
        await container.prepare_graph()
        ctx["container"] = container
        # Erasures a dead worker left half-way are finished first.
        await resume_erasures(ctx)
        stop = asyncio.Event()
        ctx["stop"] = stop
        tasks: list[asyncio.Task[None]] = []
        if settings.worker_runs_resolver:
            tasks.append(asyncio.create_task(container.resolver().run(stop)))
        if settings.worker_runs_segments:
            tasks.append(asyncio.create_task(container.segment_feed().run(stop)))
        if settings.worker_runs_destinations:
            tasks.append(asyncio.create_task(container.destinations.run(stop)))
        ctx["background"] = tasks

    async def on_shutdown(ctx: dict[str, Any]) -> None:
        tasks: list[asyncio.Task[None]] = ctx.get("background", [])
        if tasks:
            ctx["stop"].set()
            with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(asyncio.gather(*tasks), 30)
        container = ctx.get("container")
        if container is not None:
            await container.close()

    return {
        "functions": [
            heartbeat,
            graph_stats,
            reresolve_workspace,
            rotate_blind_index,
            rotate_kek,
            erase_subject,
            resume_erasures,
            purge_expired_events,
            refresh_segments,
            journey_step,
            destroy_spent_stream_keys,
        ],
        "cron_jobs": [
            cron(heartbeat, second=0, unique=True),
            cron(resume_erasures, second=30, unique=True),
            cron(purge_expired_events, hour=3, minute=17, second=0, unique=True),
            cron(refresh_segments, minute=set(range(5, 60, 10)), second=45, unique=True),
            cron(destroy_spent_stream_keys, minute=set(range(2, 60, 10)), second=15, unique=True),
        ],
        "on_startup": on_startup,
        "on_shutdown": on_shutdown,
        "queue_name": ARQ_QUEUE,
        "redis_settings": redis_settings(settings),
        "max_jobs": 10,
        "job_timeout": 3600,
        "keep_result": 3600,
        "health_check_interval": 30,
    }
