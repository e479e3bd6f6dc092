"""Consent purposes and decisions in Neo4j (cypher/consent/)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

from app.adapters.identity_graph import IdentityGraph
from app.domain.consent import Decision
from app.ports.consent import PurposeSpec, PurposeView


def _decision(row: Mapping[str, Any]) -> Decision:
    return Decision(
        id=row["id"],
        purpose=row["purpose"],
        granted=bool(row["granted"]),
        at=float(row["at"]),
        source=row["source"],
        expires_at=float(row["expires_at"]) if row["expires_at"] is not None else None,
        event=row["event"],
        identifier_type=row.get("identifier_type"),
    )


class Neo4jConsentStore:
    def __init__(self, graph: IdentityGraph) -> None:
        self.graph = graph

    async def save_purposes(self, purposes: Sequence[PurposeSpec], at: float) -> None:
        rows = [asdict(p) for p in purposes]
        await self.graph.run_write("consent/ensure_purposes", rows=rows, at=at)

    async def purposes(self) -> list[PurposeView]:
        return [PurposeView(**r) for r in await self.graph.read("consent/purposes")]

    async def defaults(self) -> dict[str, bool]:
        rows = await self.graph.read("consent/purpose_defaults")
        return {str(r["name"]): bool(r["default_granted"]) for r in rows}

    async def decisions_of(self, profile_id: str) -> list[Decision]:
        return [_decision(r) for r in await self.graph.read("consent/of_profile", id=profile_id)]

    async def verdict_inputs_of_many(
        self, profile_ids: Sequence[str], purpose: str
    ) -> tuple[dict[str, list[Decision]], bool | None]:
        rows = await self.graph.read(
            "consent/verdict_inputs_of_profiles", ids=sorted(set(profile_ids)), purpose=purpose
        )
        by_profile: dict[str, list[Decision]] = {}
        for row in rows[0]["decisions"]:
            by_profile.setdefault(row["profile"], []).append(_decision(row))
        stored = rows[0]["default_granted"]
        return by_profile, None if stored is None else bool(stored)

    async def verdict_inputs(
        self, profile_id: str, purpose: str
    ) -> tuple[list[Decision], bool | None]:
        rows = await self.graph.read("consent/verdict_inputs", id=profile_id, purpose=purpose)
        if not rows:
            return [], None
        stored = rows[0]["default_granted"]
        return [_decision(d) for d in rows[0]["decisions"]], None if stored is None else bool(
            stored
        )
