"""The audit log of privacy-relevant actions: who did what, when, to which id. Never a value.

Entries are `(:AuditEntry)` nodes: erasures, exports, reads of personal data, consent changes,
suppression changes and key rotations. `details` holds counts and names, never personal data.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from app.adapters.neo4j_db import Graph


@dataclass(frozen=True)
class AuditEntry:
    id: str
    at: float
    actor: str
    action: str
    target: str | None
    details: dict[str, Any]


class AuditLog:
    def __init__(self, graph: Graph, ws: str, clock: Callable[[], float] = time.time) -> None:
        self.graph = graph
        self.ws = ws
        self.clock = clock

    async def record(
        self,
        actor: str,
        action: str,
        target: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> str:
        entry_id = str(uuid.uuid4())
        await self.graph.write(
            "audit/record",
            id=entry_id,
            ws=self.ws,
            at=self.clock(),
            actor=actor,
            action=action,
            target=target,
            details=orjson.dumps(dict(details or {}), option=orjson.OPT_SORT_KEYS).decode(),
        )
        return entry_id

    async def record_many(
        self, actor: str, action: str, targets: Mapping[str, Mapping[str, Any]]
    ) -> None:
        """One entry per target, written in one query."""
        if not targets:
            return
        rows = [
            {
                "id": str(uuid.uuid4()),
                "action": action,
                "target": target,
                "details": orjson.dumps(dict(details), option=orjson.OPT_SORT_KEYS).decode(),
            }
            for target, details in sorted(targets.items())
        ]
        await self.graph.write(
            "audit/record_many", ws=self.ws, at=self.clock(), actor=actor, rows=rows
        )

    async def entries(
        self, limit: int = 100, action: str | None = None, before: float | None = None
    ) -> list[AuditEntry]:
        rows = await self.graph.read(
            "audit/list",
            ws=self.ws,
            action=action,
            before=before if before is not None else float("inf"),
            limit=max(1, min(limit, 1000)),
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

    async def redact_targets(self, targets: list[str], replacement: str) -> int:
        if not targets:
            return 0
        rows = await self.graph.write(
            "audit/redact_targets", ws=self.ws, targets=targets, replacement=replacement
        )
        return int(rows[0]["redacted"]) if rows else 0
