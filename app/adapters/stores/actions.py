"""Action records as `(:ActionRecord)` nodes on profiles (cypher/actions/)."""

from __future__ import annotations

from collections.abc import Sequence

import orjson

from app.adapters.identity_graph import IdentityGraph
from app.ports.actions import ActionRecord


class Neo4jActionRecordStore:
    def __init__(self, graph: IdentityGraph) -> None:
        self.graph = graph

    async def record_many(self, records: Sequence[tuple[str, ActionRecord]]) -> set[str]:
        if not records:
            return set()
        rows = [
            {
                "profile": profile_id,
                "id": r.id,
                "action": r.action,
                "purpose": r.purpose,
                "outcome": r.outcome,
                "reason": r.reason,
                "at": r.at,
                "detail": orjson.dumps(r.detail, option=orjson.OPT_SORT_KEYS).decode(),
            }
            for profile_id, r in sorted(records, key=lambda pair: pair[0])
        ]
        written = await self.graph.run_write("actions/record_many", rows=rows)
        return {str(r["id"]) for r in written}

    async def history(self, profile_id: str, limit: int) -> list[ActionRecord]:
        rows = await self.graph.read("actions/of_profile", id=profile_id, limit=limit)
        return [
            ActionRecord(
                r["id"],
                r["action"],
                r["purpose"],
                r["outcome"],
                r["reason"],
                float(r["at"]),
                orjson.loads(r["detail"]),
            )
            for r in rows
        ]
