"""Sources' event retention and batched deletion of old events in Neo4j (cypher/retention/)."""

from __future__ import annotations

from collections.abc import Sequence

from app.adapters.neo4j_db import Graph


class Neo4jRetentionStore:
    def __init__(self, graph: Graph, ws: str) -> None:
        self.graph = graph
        self.ws = ws

    async def set_source_retention(self, source_id: str, days: int | None) -> bool:
        rows = await self.graph.write(
            "retention/set_source_retention", id=source_id, ws=self.ws, days=days
        )
        return bool(rows)

    async def source_retention(self) -> dict[str, int | None]:
        rows = await self.graph.read("retention/sources", ws=self.ws)
        return {
            r["id"]: int(r["retention_days"]) if r["retention_days"] is not None else None
            for r in rows
        }

    async def delete_source_events(self, source_id: str, before: float, limit: int) -> int:
        rows = await self.graph.write(
            "retention/delete_source_events",
            ws=self.ws,
            source=source_id,
            cutoff=before,
            limit=limit,
        )
        return int(rows[0]["deleted"]) if rows else 0

    async def delete_other_events(self, sources: Sequence[str], before: float, limit: int) -> int:
        rows = await self.graph.write(
            "retention/delete_other_events",
            ws=self.ws,
            sources=sorted(sources),
            cutoff=before,
            limit=limit,
        )
        return int(rows[0]["deleted"]) if rows else 0
