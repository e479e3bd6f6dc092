"""The profiles that own identifiers, for change notices that name owners (cypher/changes/)."""

from __future__ import annotations

from collections.abc import Sequence

from app.adapters.neo4j_db import Graph


class Neo4jOwnerProfiles:
    def __init__(self, graph: Graph, ws: str) -> None:
        self.graph = graph
        self.ws = ws

    async def profiles_of(self, keys: Sequence[str]) -> dict[str, str]:
        if not keys:
            return {}
        rows = await self.graph.read("changes/owner_profiles", ws=self.ws, keys=sorted(set(keys)))
        return {str(r["key"]): str(r["profile"]) for r in rows}
