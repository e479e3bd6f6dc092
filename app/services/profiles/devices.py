"""The devices a profile's identifiers were seen on: plain facts, so any reader may see them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.domain.devices import FACT_NAMES
from app.ports.devices import DeviceRow, DeviceStore


class DeviceService:
    def __init__(self, store: DeviceStore) -> None:
        self.store = store

    async def devices_of(self, profile_ids: Sequence[str]) -> dict[str, list[DeviceRow]]:
        """Each profile's devices, newest first (one query for any number of profiles)."""
        found: dict[str, list[DeviceRow]] = {pid: [] for pid in profile_ids}
        for row in await self.store.devices_of(profile_ids):
            found.setdefault(row.profile, []).append(row)
        return found

    async def export(self, profile_id: str) -> list[dict[str, Any]]:
        """A profile's devices as the subject access export lists them."""
        rows = (await self.devices_of([profile_id]))[profile_id]
        return [
            {
                "kind": r.kind,
                "first_seen": r.first_seen,
                "last_seen": r.last_seen,
                "events": r.events,
                "shared_with_profiles": r.profiles - 1,
                "facts": {name: r.facts[name] for name in FACT_NAMES if name in r.facts},
            }
            for r in rows
        ]
