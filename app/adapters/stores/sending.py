"""The profile a stored event resolved to (cypher/views/event_profile)."""

from __future__ import annotations

from app.adapters.identity_graph import IdentityGraph


class Neo4jResolvedEvents:
    def __init__(self, graph: IdentityGraph) -> None:
        self.graph = graph
        self.ws = graph.ws

    async def profile_of(self, event_id: str) -> str | None:
        rows = await self.graph.read("views/event_profile", id=event_id)
        return str(rows[0]["profile"]) if rows else None
