"""Audit entries in memory (the port: app/ports/audit.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from app.ports.audit import AuditEntry


class InMemoryAuditStore:
    def __init__(self) -> None:
        self.written: list[AuditEntry] = []

    async def append(self, entries: Sequence[AuditEntry]) -> None:
        self.written.extend(entries)

    async def entries(self, limit: int, action: str | None, before: float) -> list[AuditEntry]:
        found = [
            e for e in self.written if (action is None or e.action == action) and e.at < before
        ]
        return sorted(found, key=lambda e: (e.at, e.id), reverse=True)[:limit]

    async def redact_targets(self, targets: Sequence[str], replacement: str) -> int:
        wanted = set(targets)
        hits = [i for i, e in enumerate(self.written) if e.target in wanted]
        for i in hits:
            self.written[i] = replace(self.written[i], target=replacement)
        return len(hits)
