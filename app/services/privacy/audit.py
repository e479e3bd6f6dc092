"""The audit log of privacy-relevant actions: who did what, when, to which id. Never a value.

Erasures, exports, reads of personal data, consent changes, suppression changes and key
rotations; each service records its own actions. `details` holds counts and names, never
personal data.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from app.ports.audit import AuditEntry, AuditStore

__all__ = ["AuditEntry", "AuditLog"]


class AuditLog:
    def __init__(self, store: AuditStore, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock

    async def record(
        self,
        actor: str,
        action: str,
        target: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> str:
        entry = AuditEntry(
            str(uuid.uuid4()), self.clock(), actor, action, target, dict(details or {})
        )
        await self.store.append([entry])
        return entry.id

    async def record_many(
        self, actor: str, action: str, targets: Mapping[str, Mapping[str, Any]]
    ) -> None:
        """One entry per target, written in one operation."""
        at = self.clock()
        await self.store.append(
            [
                AuditEntry(str(uuid.uuid4()), at, actor, action, target, dict(details))
                for target, details in sorted(targets.items())
            ]
        )

    async def entries(
        self, limit: int = 100, action: str | None = None, before: float | None = None
    ) -> list[AuditEntry]:
        return await self.store.entries(
            max(1, min(limit, 1000)), action, before if before is not None else float("inf")
        )

    async def redact_targets(self, targets: list[str], replacement: str) -> int:
        return await self.store.redact_targets(targets, replacement)
