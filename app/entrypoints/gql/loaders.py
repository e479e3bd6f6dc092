"""DataLoaders of one request: a list of N profiles costs one query per field, not N."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from strawberry.dataloader import DataLoader

from app.ports.devices import DeviceRow
from app.services.profiles.service import IdentifierView

if TYPE_CHECKING:
    from app.bootstrap import Container


class Loaders:
    def __init__(self, container: Container, reveal: Callable[[], bool]) -> None:
        self.container = container
        self.reveal = reveal
        self.identifiers: DataLoader[str, list[IdentifierView]] = DataLoader(self._identifiers)
        self.identifier_types: DataLoader[str, list[str]] = DataLoader(self._identifier_types)
        self.traits: DataLoader[str, dict[str, Any]] = DataLoader(self._traits)
        self.event_counts: DataLoader[str, int] = DataLoader(self._event_counts)
        self.devices: DataLoader[str, list[DeviceRow]] = DataLoader(self._devices)
        self.retention_days: DataLoader[str, int] = DataLoader(self._retention_days)

    async def _identifiers(self, ids: list[str]) -> list[list[IdentifierView]]:
        found = await self.container.profiles.identifiers_of(ids)
        return [found.get(pid, []) for pid in ids]

    async def _identifier_types(self, ids: list[str]) -> list[list[str]]:
        found = await self.container.profiles.identifier_types_of(ids)
        return [found.get(pid, []) for pid in ids]

    async def _traits(self, ids: list[str]) -> list[dict[str, Any]]:
        found = await self.container.profiles.traits_of(ids, reveal=self.reveal())
        return [found.get(pid, {}) for pid in ids]

    async def _event_counts(self, ids: list[str]) -> list[int]:
        found = await self.container.browser.event_counts(ids)
        return [found[pid] for pid in ids]

    async def _retention_days(self, source_ids: list[str]) -> list[int]:
        """Each source's effective retention in days (0: for ever), from one read."""
        retention = self.container.retention
        policy = await retention.policy()
        return [policy.get(s, retention.default_days) for s in source_ids]

    async def _devices(self, ids: list[str]) -> list[list[DeviceRow]]:
        found = await self.container.devices.devices_of(ids)
        return [found.get(pid, []) for pid in ids]
