"""Liveness and readiness checks shared by /readyz and the GraphQL `health` query."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass

from redis.exceptions import RedisError

from app.bootstrap import Container


@dataclass(frozen=True)
class Readiness:
    neo4j: bool
    valkey: bool

    @property
    def ready(self) -> bool:
        return self.neo4j and self.valkey


async def _valkey_ok(container: Container) -> bool:
    try:
        return bool(await container.redis.ping())
    except (RedisError, OSError):
        return False


async def check_readiness(container: Container, timeout: float = 3.0) -> Readiness:
    async def bounded(check: Awaitable[bool]) -> bool:
        try:
            return await asyncio.wait_for(check, timeout)
        except TimeoutError:
            return False

    neo4j, valkey = await asyncio.gather(
        bounded(container.graph.ping()), bounded(_valkey_ok(container))
    )
    return Readiness(neo4j=neo4j, valkey=valkey)
