"""The Neo4j driver and the few helpers every repository uses."""

from __future__ import annotations

import asyncio
import logging
import re
from contextvars import ContextVar
from typing import Any, LiteralString

from neo4j import AsyncDriver, AsyncGraphDatabase, AsyncSession, Record
from neo4j.exceptions import ClientError, Neo4jError, ServiceUnavailable, TransientError

from app.adapters.cypher import query, schema_statements

log = logging.getLogger(__name__)

#: `CREATE [kind] INDEX|CONSTRAINT name ...` or `DROP INDEX|CONSTRAINT name ...`.
_SCHEMA_STATEMENT = re.compile(
    r"^\s*(?:(CREATE)(?:\s+\w+)?\s+(?:INDEX|CONSTRAINT)|(DROP)\s+(?:INDEX|CONSTRAINT))\s+(\w+)",
    re.IGNORECASE | re.MULTILINE,
)


def schema_change_needed(statement: str, present: set[str]) -> bool:
    """Whether a schema statement changes a database holding the indexes and constraints
    named `present`: a creation of a missing one, a drop of one still there. A statement
    whose name cannot be read runs (IF NOT EXISTS keeps it harmless)."""
    found = _SCHEMA_STATEMENT.search(_without_comments(statement))
    if found is None:
        return True
    creates, _, name = found.groups()
    return (name not in present) if creates else (name in present)


def schema_record(statement: str, present: set[str]) -> None:
    """What a statement that ran leaves: its name made, or dropped."""
    found = _SCHEMA_STATEMENT.search(_without_comments(statement))
    if found is not None:
        creates, _, name = found.groups()
        (present.add if creates else present.discard)(name)


def _without_comments(statement: str) -> str:
    return "\n".join(line for line in statement.splitlines() if not line.lstrip().startswith("//"))


_ALREADY_EXISTS = {
    "Neo.ClientError.Schema.EquivalentSchemaRuleAlreadyExists",
    "Neo.ClientError.Schema.ConstraintAlreadyExists",
    "Neo.ClientError.Schema.IndexAlreadyExists",
}


#: Queries sent in the current context, when someone is counting (a GraphQL request does:
#: tests prove that resolvers batch instead of sending one query per row).
QUERY_COUNTER: ContextVar[list[int] | None] = ContextVar("neo4j_query_counter", default=None)


def row_of(record: Record) -> dict[str, Any]:
    """A record as a dict. Not `record.data()`: every query returns maps, lists and scalars
    (never nodes), and data()'s recursive conversion cost a tenth of the resolver's Python
    time on component loads."""
    return dict(zip(record.keys(), record.values(), strict=True))


class Rows(list[Any]):
    """A list parameter whose repr is its length.

    The driver formats every RUN message for its debug log before it knows whether anyone
    listens: the repr of every parameter, at every level, even with logging off. A batch's
    rows are megabytes of text, and that repr alone cost a drain 4 % of its time under the
    workspace lock (and would put ciphertexts in a debug log). Sent, it is a plain list.
    """

    def __repr__(self) -> str:
        return f"<{len(self)} rows>"


def parameters(params: dict[str, Any]) -> dict[str, Any]:
    """Query parameters with each list or tuple (the UNWIND rows) wrapped as :class:`Rows`."""
    return {k: Rows(v) if isinstance(v, list | tuple) else v for k, v in params.items()}


def count_query() -> None:
    counter = QUERY_COUNTER.get()
    if counter is not None:
        counter[0] += 1


def create_driver(uri: str, auth: tuple[str, str] | None) -> AsyncDriver:
    """One driver per process; made in FastAPI's lifespan or arq's on_startup, never at import.

    A transaction is retried by the driver for at most 10 s (its delays double from 1 s):
    past that, a Neo4j restart is the callers' to wait out with their own bounded back-off
    (app/supervision.py), so they resume within seconds of Neo4j answering again
    instead of after one of the driver's late, long sleeps."""
    return AsyncGraphDatabase.driver(
        uri,
        auth=auth,
        max_connection_pool_size=50,
        connection_acquisition_timeout=30.0,
        max_transaction_retry_time=10.0,
        notifications_min_severity="OFF",
    )


class Graph:
    """A thin handle on one database: named queries in, plain dicts out."""

    def __init__(self, driver: AsyncDriver, database: str) -> None:
        self.driver = driver
        self.database = database

    async def read(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        count_query()
        records, _, _ = await self.driver.execute_query(
            query(name), parameters(params), database_=self.database, routing_="r"
        )
        return [row_of(record) for record in records]

    async def read_text(self, text: str, /, **params: Any) -> list[dict[str, Any]]:
        """A read whose text was composed from registry queries and fragments (compiled
        segments); never call it with text built from input."""
        count_query()
        composed: LiteralString = text  # composed of registry fragments only
        records, _, _ = await self.driver.execute_query(
            composed, parameters(params), database_=self.database, routing_="r"
        )
        return [row_of(record) for record in records]

    async def write(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        count_query()
        records, _, _ = await self.driver.execute_query(
            query(name), parameters(params), database_=self.database, routing_="w"
        )
        return [row_of(record) for record in records]

    async def run_auto_commit(self, name: str, /, **params: Any) -> None:
        """For queries with CALL ... IN TRANSACTIONS, which need an implicit transaction."""
        async with self.driver.session(database=self.database) as session:
            result = await session.run(query(name), parameters(params))
            await result.consume()

    async def ping(self) -> bool:
        try:
            rows = await self.read("health/ping")
        except (ServiceUnavailable, Neo4jError, OSError) as exc:
            log.warning("neo4j ping failed: %s", type(exc).__name__)
            return False
        return bool(rows and rows[0]["ok"] == 1)

    async def apply_schema(self) -> int:
        """Create constraints and indexes, drop retired ones: only the statements whose object
        is missing (or, for a drop, still there) run, so a database already in shape costs
        three reads. Returns how many statements ran (each says IF [NOT] EXISTS, so two
        processes starting together are both safe)."""
        async with self.driver.session(database=self.database) as session:
            present: set[str] = set()
            for name in ("admin/list_schema_names", "admin/list_constraint_names"):
                record = await (await session.run(query(name))).single()
                present.update(record["names"] if record else ())
            ran = 0
            for statement in schema_statements():
                # In file order, with what the statements before it made or dropped: a drop
                # then a creation of one name (a changed definition) both run.
                if not schema_change_needed(statement, present):
                    continue
                await self._apply(session, statement)
                ran += 1
                schema_record(statement, present)
            await (await session.run(query("admin/await_indexes"))).consume()
        return ran

    @staticmethod
    async def _apply(session: AsyncSession, statement: LiteralString, attempts: int = 8) -> None:
        """One schema statement. Another process (API and worker start together) may create
        it first, or deadlock with it on the schema lock: both are expected at start-up."""
        for attempt in range(attempts):
            try:
                result = await session.run(statement)
                await result.consume()
                return
            except ClientError as exc:
                if exc.code in _ALREADY_EXISTS:
                    return
                raise
            except TransientError:
                if attempt == attempts - 1:
                    raise
                await asyncio.sleep(0.05 * 2**attempt)
