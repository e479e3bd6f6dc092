"""The Neo4j driver and the few helpers every repository uses."""

from __future__ import annotations

import logging
from typing import Any, LiteralString

from neo4j import AsyncDriver, AsyncGraphDatabase
from neo4j.exceptions import ClientError, Neo4jError, ServiceUnavailable

from app.adapters.cypher import query, schema_statements

log = logging.getLogger(__name__)

_ALREADY_EXISTS = {
    "Neo.ClientError.Schema.EquivalentSchemaRuleAlreadyExists",
    "Neo.ClientError.Schema.ConstraintAlreadyExists",
    "Neo.ClientError.Schema.IndexAlreadyExists",
}


def create_driver(uri: str, auth: tuple[str, str] | None) -> AsyncDriver:
    """One driver per process; made in FastAPI's lifespan or arq's on_startup, never at import."""
    return AsyncGraphDatabase.driver(
        uri,
        auth=auth,
        max_connection_pool_size=50,
        connection_acquisition_timeout=30.0,
        notifications_min_severity="OFF",
    )


class Graph:
    """A thin handle on one database: named queries in, plain dicts out."""

    def __init__(self, driver: AsyncDriver, database: str) -> None:
        self.driver = driver
        self.database = database

    async def read(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        records, _, _ = await self.driver.execute_query(
            query(name), params, database_=self.database, routing_="r"
        )
        return [record.data() for record in records]

    async def write(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        records, _, _ = await self.driver.execute_query(
            query(name), params, database_=self.database, routing_="w"
        )
        return [record.data() for record in records]

    async def run_auto_commit(self, name: str, /, **params: Any) -> None:
        """For queries with CALL ... IN TRANSACTIONS, which need an implicit transaction."""
        async with self.driver.session(database=self.database) as session:
            result = await session.run(query(name), params)
            await result.consume()

    async def ping(self) -> bool:
        try:
            rows = await self.read("health/ping")
        except (ServiceUnavailable, Neo4jError, OSError) as exc:
            log.warning("neo4j ping failed: %s", type(exc).__name__)
            return False
        return bool(rows and rows[0]["ok"] == 1)

    async def apply_schema(self) -> int:
        """Create constraints and indexes (idempotent: every statement says IF NOT EXISTS)."""
        statements: list[LiteralString] = schema_statements()
        async with self.driver.session(database=self.database) as session:
            for statement in statements:
                try:
                    result = await session.run(statement)
                    await result.consume()
                except ClientError as exc:
                    # Another process (API and worker start together) created it first.
                    if exc.code not in _ALREADY_EXISTS:
                        raise
            await (await session.run(query("admin/await_indexes"))).consume()
        return len(statements)
