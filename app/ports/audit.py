"""What the audit log needs from storage: entries appended, listed and redacted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class AuditEntry:
    """One privacy-relevant action: who, what, when, on which target (an id, never a value);
    `details` holds counts and names, never personal data."""

    id: str
    at: float
    actor: str
    action: str
    target: str | None
    details: dict[str, Any]


class AuditStore(Protocol):
    async def append(self, entries: Sequence[AuditEntry]) -> None:
        """Write entries in one operation."""

    async def entries(self, limit: int, action: str | None, before: float) -> list[AuditEntry]:
        """The newest entries before `before`, optionally of one action, newest first."""

    async def redact_targets(self, targets: Sequence[str], replacement: str) -> int:
        """Entries naming one of `targets` name `replacement` instead; returns how many."""
