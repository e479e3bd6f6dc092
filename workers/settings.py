"""arq worker settings, built from explicit settings; `cdp worker` runs them."""

from __future__ import annotations

from typing import Any

from arq import cron

from app.bootstrap import ARQ_QUEUE, build_container, redis_settings
from app.logs import configure_logging
from app.settings import Settings
from workers.jobs import graph_stats, heartbeat


def worker_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for `arq.worker.Worker`, built from explicit settings (tests use this)."""

    async def on_startup(ctx: dict[str, Any]) -> None:
        configure_logging(settings.log_level, settings.log_json)
        container = await build_container(settings)
        await container.graph.apply_schema()
        ctx["container"] = container

    async def on_shutdown(ctx: dict[str, Any]) -> None:
        container = ctx.get("container")
        if container is not None:
            await container.close()

    return {
        "functions": [heartbeat, graph_stats],
        "cron_jobs": [cron(heartbeat, second=0, unique=True)],
        "on_startup": on_startup,
        "on_shutdown": on_shutdown,
        "queue_name": ARQ_QUEUE,
        "redis_settings": redis_settings(settings),
        "max_jobs": 10,
        "job_timeout": 300,
        "keep_result": 3600,
        "health_check_interval": 30,
    }
