"""What the consent gate needs from storage: the record of each action taken, skipped or
failed on a profile."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class ActionRecord:
    id: str
    action: str
    purpose: str
    outcome: str  # taken | skipped | failed
    reason: str  # the consent verdict's reason, or the error's kind for a failure
    at: float
    detail: dict[str, Any]


class ActionRecordStore(Protocol):
    async def record_many(self, records: Sequence[tuple[str, ActionRecord]]) -> set[str]:
        """Record (profile id, record) pairs in one transaction; the ids of the records written
        (one whose profile the workspace does not have is left out)."""

    async def history(self, profile_id: str, limit: int) -> list[ActionRecord]:
        """The profile's records and those of the profiles merged into it, newest first."""
