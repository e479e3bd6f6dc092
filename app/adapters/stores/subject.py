"""What a subject access export reads in Neo4j: the lineage (cypher/erasure/cluster), trait
observations (cypher/traits/profile_observations) and events (cypher/subject/events)."""

from __future__ import annotations

from app.adapters.identity_graph import IdentityGraph
from app.ports.subject import SealedEvent, SubjectObservation


class Neo4jSubjectStore:
    def __init__(self, graph: IdentityGraph) -> None:
        self.graph = graph

    async def merged_profiles(self, profile_id: str) -> list[str]:
        # Only the lineage is read here: which identifiers would be shared does not matter.
        rows = await self.graph.read("erasure/cluster", id=profile_id, own_types=[])
        return sorted(rows[0]["merged"]) if rows else []

    async def observations(self, profile_id: str) -> list[SubjectObservation]:
        found = await self.graph.read("traits/profile_observations", ids=[profile_id])
        return [
            SubjectObservation(
                key=r["key"],
                field=r["field"],
                source=r["source"],
                first_at=r["first_at"],
                at=r["at"],
                count=r["count"],
                confidence=r["confidence"],
                event=r["event"],
                identifier=r["identifier"],
            )
            for r in (found[0]["rows"] if found else [])
        ]

    async def events(self, profile_id: str, after: str, limit: int) -> list[SealedEvent]:
        rows = await self.graph.read("subject/events", id=profile_id, after=after, limit=limit)
        return [
            SealedEvent(
                id=r["id"],
                type=r["type"],
                name=r["name"],
                at=r["at"],
                received_at=r["received_at"],
                source=r["source"],
                flags=list(r["flags"] or []),
                enc=r["enc"],
                owner=r["owner"],
                owner_type=r["owner_type"],
            )
            for r in rows
        ]
