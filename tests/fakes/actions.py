"""Action records in memory (the port: app/ports/actions.py)."""

from __future__ import annotations

from collections.abc import Sequence

from app.ports.actions import ActionRecord


class InMemoryActionRecordStore:
    def __init__(self, profiles: set[str] | None = None) -> None:
        #: The profiles of the workspace; a record on any other is refused.
        self.profiles: set[str] = set(profiles or ())
        self.records: dict[str, list[ActionRecord]] = {}

    async def record_many(self, records: Sequence[tuple[str, ActionRecord]]) -> set[str]:
        written = set()
        for profile_id, record in records:
            if profile_id in self.profiles:
                self.records.setdefault(profile_id, []).append(record)
                written.add(record.id)
        return written

    async def history(self, profile_id: str, limit: int) -> list[ActionRecord]:
        found = self.records.get(profile_id, [])
        return sorted(found, key=lambda r: (r.at, r.id), reverse=True)[:limit]
