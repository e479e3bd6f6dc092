"""Event retention: events older than their source's retention are deleted, in batches.

A source's `retention_days` wins over the workspace default (`CDP_EVENT_RETENTION_DAYS`);
0 or unset everywhere keeps events for ever. Identifiers, evidence and trait observations are
not events and stay (an observation keeps the id of the event it came from).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from functools import partial

from app.errors import InvalidInput, NotFound
from app.ports.retention import RetentionStore
from app.services.privacy.audit import AuditLog

DAY = 86_400.0


class RetentionService:
    def __init__(
        self,
        store: RetentionStore,
        default_days: int,
        batch: int = 5000,
        clock: Callable[[], float] = time.time,
        *,
        audit: AuditLog | None = None,
    ) -> None:
        self.store = store
        self.audit = audit
        self.default_days = default_days
        self.batch = batch
        self.clock = clock

    async def set_source_retention(
        self, source_id: str, days: int | None, by: str = "system"
    ) -> None:
        if days is not None and not 1 <= days <= 36_500:
            raise InvalidInput("retentionDays: between 1 and 36500, or null for the default")
        if not await self.store.set_source_retention(source_id, days):
            raise NotFound("no source with that id in this workspace")
        if self.audit is not None:
            await self.audit.record(by, "retention.set", source_id, {"days": days})

    async def policy(self) -> dict[str, int]:
        """Effective retention in days per source (0: kept for ever)."""
        return {
            source: days if days is not None else self.default_days
            for source, days in (await self.store.source_retention()).items()
        }

    async def _drain(self, batch: Callable[[int], Awaitable[int]]) -> int:
        """Delete batch after batch until one comes back short; returns how many went."""
        total = 0
        while True:
            deleted = await batch(self.batch)
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
                    partial(self.store.delete_source_events, source, now - days * DAY)
                )
        if self.default_days > 0:
            deleted["(other sources)"] = await self._drain(
                partial(
                    self.store.delete_other_events, sorted(policy), now - self.default_days * DAY
                )
            )
        if self.audit is not None and any(deleted.values()):
            await self.audit.record(by, "retention.run", None, deleted)
        return deleted
