"""Audit entries as `(:AuditEntry)` nodes (cypher/audit/)."""

from __future__ import annotations

from collections.abc import Sequence

import orjson

from app.adapters.neo4j_db import Graph
from app.ports.audit import AuditEntry


class Neo4jAuditStore:
    def __init__(self, graph: Graph, ws: str) -> None:
        self.graph = graph
        self.ws = ws

    async def append(self, entries: Sequence[AuditEntry]) -> None:
        rows = [
            {
                "id": e.id,
                "at": e.at,
                "actor": e.actor,
                "action": e.action,
                "target": e.target,
                "details": orjson.dumps(e.details, option=orjson.OPT_SORT_KEYS).decode(),
            }
            for e in entries
        ]
        if rows:
            await self.graph.write("audit/append", ws=self.ws, rows=rows)

    async def entries(self, limit: int, action: str | None, before: float) -> list[AuditEntry]:
        rows = await self.graph.read(
            "audit/list", ws=self.ws, action=action, before=before, limit=limit
        )
        return [
            AuditEntry(
                id=r["id"],
                at=float(r["at"]),
                actor=r["actor"],
                action=r["action"],
                target=r["target"],
                details=orjson.loads(r["details"]),
            )
            for r in rows
        ]

    async def redact_targets(self, targets: Sequence[str], replacement: str) -> int:
        if not targets:
            return 0
        rows = await self.graph.write(
            "audit/redact_targets", ws=self.ws, targets=list(targets), replacement=replacement
        )
        return int(rows[0]["redacted"]) if rows else 0
