"""In-memory DeviceStore: devices as rows per profile."""

from __future__ import annotations

from collections.abc import Sequence

from app.ports.devices import DeviceRow


class FakeDeviceStore:
    def __init__(self, rows: Sequence[DeviceRow] = ()) -> None:
        self.rows = list(rows)
        self.reads: list[list[str]] = []

    async def devices_of(self, profile_ids: Sequence[str]) -> list[DeviceRow]:
        self.reads.append(sorted(set(profile_ids)))
        wanted = set(profile_ids)
        found = [r for r in self.rows if r.profile in wanted]
        return sorted(found, key=lambda r: (r.profile, -r.last_seen, r.key))
