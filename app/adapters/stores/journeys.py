"""Journey definitions, versions and the marks their steps leave on profiles, in Neo4j
(cypher/journeys/); runs: `journey_runs.py`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from app.adapters.identity_graph import IdentityGraph
from app.adapters.stores.definitions import Neo4jDefinitions
from app.adapters.stores.journey_runs import Neo4jJourneyRunStore
from app.ports.journeys import (
    EmittedEvent,
    JourneyStorage,
    JourneyVersionSpec,
    JourneyView,
    SavedVersion,
    TagChange,
)


def _view(row: Mapping[str, Any]) -> JourneyView:
    return JourneyView(
        name=row["name"],
        description=row["description"] or "",
        definition=orjson.loads(row["definition"]),
        version=int(row["version"]),
        active=bool(row["active"]),
        updated_at=float(row["updated_at"]),
        running=int(row["running"]),
    )


class Neo4jJourneyStore(Neo4jDefinitions[JourneyView]):
    """Journeys as `(:Journey)` nodes holding the current version, each version kept as a
    `(:JourneyVersion)` beside it."""

    def __init__(self, graph: IdentityGraph) -> None:
        super().__init__("journeys", _view, graph.read, graph.run_write)
        self.graph = graph

    async def save(self, spec: JourneyVersionSpec, at: float) -> int:
        rows = await self.graph.run_write(
            "journeys/save",
            name=spec.name,
            description=spec.description,
            definition=orjson.dumps(spec.definition, option=orjson.OPT_SORT_KEYS).decode(),
            at=at,
            by=spec.by,
            by_role=spec.by_role,
        )
        return int(rows[0]["version"])

    async def version(self, name: str, version: int) -> SavedVersion | None:
        rows = await self.graph.read("journeys/version", name=name, version=version)
        if not rows:
            return None
        return SavedVersion(orjson.loads(rows[0]["definition"]), rows[0]["by"], rows[0]["by_role"])

    async def active_versions(self) -> list[tuple[str, int]]:
        rows = await self.graph.read("journeys/active_versions")
        return [(str(r["name"]), int(r["version"])) for r in rows]


class Neo4jProfileMarks:
    """Tags on `(:Profile)` nodes and events a journey emits, owned by an identifier."""

    def __init__(self, graph: IdentityGraph) -> None:
        self.graph = graph

    async def change_tags(self, changes: Sequence[TagChange]) -> None:
        if not changes:
            return
        # In profile order (the order writers take profile locks in), each profile's changes
        # in the order given.
        order = sorted(range(len(changes)), key=lambda i: (changes[i].profile_id, i))
        rows = [
            {"profile": changes[i].profile_id, "tag": changes[i].tag, "add": changes[i].add}
            for i in order
        ]
        await self.graph.run_write("journeys/change_tags", rows=rows)

    async def owners_of(self, profile_ids: Sequence[str]) -> dict[str, str]:
        if not profile_ids:
            return {}
        reps = await self.graph.read_tx(lambda tx: tx.profile_representatives(profile_ids))
        return {r["requested"]: r["representative"] for r in reps if r["representative"]}

    async def emit_many(self, events: Sequence[EmittedEvent]) -> set[str]:
        if not events:
            return set()
        rows = [
            {
                "id": e.id,
                "name": e.name,
                "at": e.at,
                "source": e.source,
                "enc": e.enc,
                "owner": e.owner,
            }
            for e in events
        ]
        stored = await self.graph.run_write("journeys/emit_events", events=rows)
        return {str(r["id"]) for r in stored}


def neo4j_journey_storage(graph: IdentityGraph) -> JourneyStorage:
    """Every journey store on one workspace's identity graph."""
    return JourneyStorage(
        definitions=Neo4jJourneyStore(graph),
        runs=Neo4jJourneyRunStore(graph),
        marks=Neo4jProfileMarks(graph),
        transactions=graph,
    )
