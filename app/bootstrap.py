"""The composition root: the one place that builds drivers, stores and services.

FastAPI's lifespan and arq's on_startup both call `build_container`; nothing connects at import.
"""

from __future__ import annotations

from dataclasses import dataclass

from arq.connections import ArqRedis, RedisSettings, create_pool
from redis.asyncio import Redis

from app.adapters.neo4j_db import Graph, create_driver
from app.localservices.stack import effective_urls
from app.settings import Settings

ARQ_QUEUE = "cdp:arq:queue"


@dataclass
class Container:
    """Everything a request or a job needs, built once per process."""

    settings: Settings
    graph: Graph
    redis: Redis
    arq: ArqRedis

    async def close(self) -> None:
        await self.arq.aclose()
        await self.redis.aclose()
        await self.graph.driver.close()


def redis_settings(settings: Settings) -> RedisSettings:
    _, redis_url = effective_urls(settings)
    return RedisSettings.from_dsn(redis_url)


async def build_container(settings: Settings) -> Container:
    neo4j_uri, redis_url = effective_urls(settings)
    driver = create_driver(neo4j_uri, settings.neo4j_auth)
    graph = Graph(driver, settings.neo4j_database)
    redis = Redis.from_url(redis_url)
    arq = await create_pool(redis_settings(settings), default_queue_name=ARQ_QUEUE)
    return Container(settings=settings, graph=graph, redis=redis, arq=arq)
