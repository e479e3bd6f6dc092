"""Profiles, their identifiers, golden records and trait observations as Neo4j stores them
(cypher/identity/, cypher/views/, cypher/traits/)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import orjson

from app.adapters.identity_graph import IdentityGraph
from app.adapters.trait_rows import evidence_by_profile, links_by_profile
from app.ports.profiles import (
    GoldenEntry,
    IdentifierRow,
    ProfileView,
    SealedValue,
    TraitEvidence,
)


def golden_entries(text: str) -> dict[str, GoldenEntry]:
    """A golden record as stored on its profile (JSON, field -> entry)."""
    record: dict[str, dict[str, Any]] = orjson.loads(text)
    return {
        name: GoldenEntry(
            vid=e["vid"],
            value=e["value"],
            personal=bool(e["personal"]),
            source=e["source"],
            at=float(e["at"]),
            weight=float(e["weight"]),
            strategy=e["strategy"],
            observation=e["observation"],
            bond=float(e.get("bond", 1.0)),
        )
        for name, e in record.items()
    }


class Neo4jProfileStore:
    def __init__(self, graph: IdentityGraph) -> None:
        self.graph = graph

    async def profile(self, profile_id: str) -> ProfileView | None:
        rows = await self.graph.read("identity/profile_by_id", id=profile_id)
        if not rows:
            return None
        row = rows[0]
        return ProfileView(
            id=row["id"],
            status=row["status"],
            merged_into=row["merged_into"],
            created_at=float(row["created_at"]),
            updated_at=float(row["updated_at"]),
            version=int(row["version"]),
        )

    async def identifiers_of(self, profile_ids: Sequence[str]) -> list[IdentifierRow]:
        rows = await self.graph.read("views/members_of_profiles", ids=sorted(set(profile_ids)))
        return [
            IdentifierRow(
                profile=r["profile"],
                key=r["key"],
                type=r["type"],
                enc=r["enc"],
                first_seen=float(r["first_seen"]),
                last_seen=float(r["last_seen"]),
                events=int(r["events"]),
                generic=bool(r["generic"]),
                blocked=bool(r["blocked"]),
            )
            for r in rows
        ]

    async def event_count(self, profile_id: str) -> int:
        rows = await self.graph.read("identity/profile_event_count", id=profile_id)
        return int(rows[0]["events"]) if rows else 0

    async def golden_of(self, profile_ids: Sequence[str]) -> dict[str, dict[str, GoldenEntry]]:
        rows = await self.graph.read("views/golden_of_profiles", ids=sorted(set(profile_ids)))
        return {r["profile"]: golden_entries(r["golden"]) for r in rows if r["golden"]}

    async def sealed_values(self, keys: Sequence[str]) -> list[SealedValue]:
        if not keys:
            return []
        rows = await self.graph.read("traits/sealed_values", keys=sorted(set(keys)))
        return [SealedValue(r["key"], r["value"], r["enc"], r["owner"]) for r in rows]

    async def evidence_of(self, profile_id: str) -> TraitEvidence:
        found = await self.graph.read("traits/profile_evidence", ids=[profile_id])
        members: list[dict[str, Any]] = found[0]["members"] if found else []
        evidence = evidence_by_profile(members).get(profile_id)
        if evidence is None:
            return TraitEvidence()
        links = await self.graph.read("traits/profile_links", ids=[profile_id])
        return dataclasses.replace(evidence, links=links_by_profile(links).get(profile_id, ()))

    async def active_ids(self, after: str, limit: int) -> list[str]:
        rows = await self.graph.read("traits/active_profile_ids", after=after, limit=limit)
        return [str(r["id"]) for r in rows]
