"""The workspace's identifier keys, page by page (cypher/identity/)."""

from __future__ import annotations

from app.adapters.identity_graph import IdentityGraph


class Neo4jCurationStore:
    def __init__(self, graph: IdentityGraph) -> None:
        self.graph = graph

    async def identifier_keys(self, after: str, limit: int) -> list[str]:
        rows = await self.graph.read("identity/workspace_identifier_keys", after=after, limit=limit)
        return [str(r["key"]) for r in rows]
