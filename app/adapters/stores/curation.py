"""The workspace's identifier keys, page by page, and its generic identifiers
(cypher/identity/)."""

from __future__ import annotations

from app.adapters.component_loading import generic_parameters
from app.adapters.identity_graph import IdentityGraph
from app.domain.identity import IdentityRules
from app.ports.curation import GenericIdentifier


class Neo4jCurationStore:
    def __init__(self, graph: IdentityGraph) -> None:
        self.graph = graph

    async def identifier_keys(self, after: str, limit: int) -> list[str]:
        rows = await self.graph.read("identity/workspace_identifier_keys", after=after, limit=limit)
        return [str(r["key"]) for r in rows]

    async def generic_identifiers(
        self, limit: int, rules: IdentityRules, unfiled: bool = False
    ) -> list[GenericIdentifier]:
        rows = await self.graph.read(
            "identity/generic_identifiers",
            limit=limit,
            unfiled=unfiled,
            **generic_parameters(rules),
        )
        return [
            GenericIdentifier(
                key=str(r["key"]),
                type=str(r["type"]),
                links=int(r["links"]),
                degree=int(r["degree"]),
                shared=int(r["shared"]),
                rivals=int(r["rivals"]),
                profile=r["profile"],
                first_seen=float(r["first_seen"]),
            )
            for r in rows
        ]
