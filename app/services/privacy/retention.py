"""Event retention: events older than their source's retention are deleted, in batches.

A source's `retention_days` wins over the workspace default (`CDP_EVENT_RETENTION_DAYS`);
0 or unset everywhere keeps events for ever. Identifiers, evidence and trait observations are
not events and stay (an observation keeps the id of the event it came from).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from app.adapters.neo4j_db import Graph
from app.errors import InvalidInput, NotFound
from app.services.privacy.audit import AuditLog

DAY = 86_400.0


class RetentionService:
    def __init__(
        self,
        graph: Graph,
        ws: str,
        default_days: int,
        batch: int = 5000,
        clock: Callable[[], float] = time.time,
        *,
        audit: AuditLog | None = None,
    ) -> None:
        self.graph = graph
        self.audit = audit
        self.ws = ws
        self.default_days = default_days
        self.batch = batch
        self.clock = clock

    async def set_source_retention(
        self, source_id: str, days: int | None, by: str = "system"
    ) -> None:
        if days is not None and not 1 <= days <= 36_500:
            raise InvalidInput("retentionDays: between 1 and 36500, or null for the default")
        rows = await self.graph.write(
            "retention/set_source_retention", id=source_id, ws=self.ws, days=days
        )
        if not rows:
            raise NotFound("no source with that id in this workspace")
        if self.audit is not None:
            await self.audit.record(by, "retention.set", source_id, {"days": days})

    async def policy(self) -> dict[str, int]:
        """Effective retention in days per source (0: kept for ever)."""
        rows = await self.graph.read("retention/sources", ws=self.ws)
        return {
            r["id"]: int(
                r["retention_days"] if r["retention_days"] is not None else self.default_days
            )
            for r in rows
        }

    async def _drain(self, name: str, **params: object) -> int:
        total = 0
        while True:
            rows = await self.graph.write(name, ws=self.ws, limit=self.batch, **params)
            deleted = int(rows[0]["deleted"]) if rows else 0
            total += deleted
            if deleted < self.batch:
                return total

    async def run(self, by: str = "system") -> dict[str, int]:
        """Delete every event past its retention; returns deletions per source id (audited
        as `by`'s when anything went)."""
        now = self.clock()
        policy = await self.policy()
        deleted: dict[str, int] = {}
        for source, days in sorted(policy.items()):
            if days > 0:
                deleted[source] = await self._drain(
                    "retention/delete_source_events", source=source, cutoff=now - days * DAY
                )
        if self.default_days > 0:
            deleted["(other sources)"] = await self._drain(
                "retention/delete_other_events",
                sources=sorted(policy),
                cutoff=now - self.default_days * DAY,
            )
        if self.audit is not None and any(deleted.values()):
            await self.audit.record(by, "retention.run", None, deleted)
        return deleted
