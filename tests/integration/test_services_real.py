"""The real pieces answer: Neo4j round trip, Browser, every Cypher file, Valkey persistence."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from app.adapters.cypher import all_query_names, query
from app.adapters.stores.segment_cypher import fragment
from app.bootstrap import Container
from tests.services import Endpoints

pytestmark = pytest.mark.integration

#: Sessions planning the Cypher files at once.
PLANNING_SESSIONS = 4


async def test_cypher_round_trip(container: Container) -> None:
    ws = container.settings.workspace
    first = await container.graph.write("graph/record_heartbeat", ws=ws, at=1.5, worker="t")
    second = await container.graph.write("graph/record_heartbeat", ws=ws, at=2.5, worker="t")
    assert (first[0]["beats"], second[0]["beats"]) == (1, 2)
    rows = await container.graph.read("graph/read_heartbeat", ws=ws)
    assert rows == [{"beats": 2, "at": 2.5, "worker": "t"}]


async def test_every_cypher_file_is_valid(container: Container) -> None:
    names = list(all_query_names())
    assert "health/ping" in names and any(n.startswith("schema/") for n in names)
    # DDL cannot be EXPLAINed; applying it is the check below.
    planned = [n for n in names if not n.startswith("schema/")]

    async def explain(chunk: list[str]) -> list[str]:
        """EXPLAIN each query of the chunk in a session of its own; the names not planned."""
        unplanned = []
        async with container.graph.driver.session(database=container.graph.database) as session:
            for name in chunk:
                text = query(name)
                if name.startswith("segments/fragments/"):
                    # A predicate over `p`, and the events the decision read collects for it.
                    predicate = fragment(name.rsplit("/", 1)[1])
                    text = f"MATCH (p:Profile) WITH p, [] AS events WHERE {predicate} RETURN p"
                # A template's placeholder takes a compiled predicate; any will do here.
                result = await session.run("EXPLAIN " + text.replace("__PREDICATE__", "true"))
                if (await result.consume()).plan is None:
                    unplanned.append(name)
        return unplanned

    # Planned side by side: Neo4j plans each session's query on a thread of its own.
    chunks = [planned[i::PLANNING_SESSIONS] for i in range(PLANNING_SESSIONS)]
    found = await asyncio.gather(*(explain(chunk) for chunk in chunks))
    assert sum(len(c) for c in chunks) == len(planned) > 100
    assert [name for unplanned in found for name in unplanned] == []


async def test_schema_applies_only_what_is_missing(container: Container) -> None:
    assert await container.graph.apply_schema() == 0  # the fixture applied it all
    rows = await container.graph.read("admin/list_constraints")
    assert {"identifier_key", "profile_id", "event_id"} <= {row["name"] for row in rows}
    retired = "CREATE CONSTRAINT resolver_lock_ws FOR (l:ResolverLock) REQUIRE l.ws IS UNIQUE"
    async with container.graph.driver.session() as session:
        for statement in ("DROP INDEX event_at", retired):
            await (await session.run(statement)).consume()
    # The missing index is made again, the retired constraint dropped again; nothing else runs.
    assert await container.graph.apply_schema() == 2
    names = {r["name"] for r in await container.graph.read("admin/list_constraints")}
    assert "resolver_lock_ws" not in names
    assert await container.graph.apply_schema() == 0


async def test_neo4j_browser_is_served(endpoints: Endpoints) -> None:
    if endpoints.browser_url is None:
        pytest.skip("NEO4J_BROWSER_URL not given for the external Neo4j")
    async with httpx.AsyncClient() as client:
        response = await client.get(endpoints.browser_url, follow_redirects=True)
    assert response.status_code == 200
    assert "Neo4j Browser" in response.text


async def test_valkey_has_the_append_only_file_on(container: Container) -> None:
    config = await container.redis.config_get("appendonly")
    assert config["appendonly"] in ("yes", b"yes")
