"""Destination definitions and outboxes in memory (the port: app/ports/destinations.py)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from app.ports.destinations import DeadLetter, DestinationSpec, OutboxEntry, StoredDestination
from tests.fakes.definitions import InMemoryDefinitions


def _activated(current: StoredDestination, active: bool, at: float) -> StoredDestination:
    return dataclasses.replace(current, active=active)


class InMemoryDestinationStore(InMemoryDefinitions[StoredDestination, StoredDestination]):
    def __init__(self) -> None:
        self.destinations: dict[str, StoredDestination] = {}
        super().__init__(self.destinations, lambda stored: stored, _activated)

    async def save(self, spec: DestinationSpec, at: float) -> None:
        current = self.destinations.get(spec.name)
        active = current.active if current is not None else False
        self.destinations[spec.name] = StoredDestination(**dataclasses.asdict(spec), active=active)


def _json(item: Mapping[str, Any]) -> dict[str, Any]:
    """The item as it comes back from storage: JSON, a copy."""
    loaded: dict[str, Any] = orjson.loads(orjson.dumps(item))
    return loaded


class InMemoryOutbox:
    def __init__(self) -> None:
        self.entries: dict[str, list[OutboxEntry]] = {}
        self.dead: dict[str, list[DeadLetter]] = {}
        self.counters: dict[str, dict[str, int]] = {}
        self._next_id = 0

    def _add(self, name: str, item: Mapping[str, Any]) -> None:
        self._next_id += 1
        entry = OutboxEntry(f"{self._next_id}-0", _json(item))
        self.entries.setdefault(name, []).append(entry)

    def _count(self, name: str, counter: str, by: int) -> int:
        counts = self.counters.setdefault(name, {})
        counts[counter] = counts.get(counter, 0) + by
        return counts[counter]

    def _remove(self, name: str, entries: Sequence[OutboxEntry]) -> None:
        gone = {e.id for e in entries}
        self.entries[name] = [e for e in self.entries.get(name, []) if e.id not in gone]

    async def append(self, name: str, items: Sequence[Mapping[str, Any]]) -> int:
        for item in items:
            self._add(name, item)
        return len(items)

    async def head(self, name: str, count: int) -> list[OutboxEntry]:
        return list(self.entries.get(name, [])[:count])

    async def delivered(
        self, name: str, entries: Sequence[OutboxEntry], delivered: int, skipped: int
    ) -> None:
        self._remove(name, entries)
        self.counters.setdefault(name, {})["attempt"] = 0
        self._count(name, "delivered", delivered)
        self._count(name, "skipped_no_consent", skipped)

    async def failed(self, name: str) -> int:
        self._count(name, "failed_attempts", 1)
        return self._count(name, "attempt", 1)

    async def dead_letter(
        self,
        name: str,
        entries: Sequence[OutboxEntry],
        reason: str,
        detail: str | None = None,
        *,
        refused: bool = False,
    ) -> None:
        letters = [DeadLetter(_json(e.item), reason, detail) for e in entries]
        self.dead.setdefault(name, []).extend(letters)
        self._remove(name, entries)
        self.counters.setdefault(name, {})["attempt"] = 0
        self._count(name, "dead_lettered", len(entries))
        if refused:
            self._count(name, "refused", len(entries))

    async def dead_letters(self, name: str) -> list[DeadLetter]:
        return list(self.dead.get(name, []))

    async def replay(self, name: str) -> int:
        letters = self.dead.pop(name, [])
        for letter in letters:
            self._add(name, letter.item)
        return len(letters)

    async def stats(self, name: str) -> dict[str, int]:
        return {
            **self.counters.get(name, {}),
            "waiting": len(self.entries.get(name, [])),
            "dead_letters": len(self.dead.get(name, [])),
        }
