"""Named definitions in memory: what the fakes of segments, journeys and destinations share
(the port: app/ports/definitions.py)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, Generic, TypeVar

S = TypeVar("S")
V = TypeVar("V")


class InMemoryDefinitions(Generic[S, V]):
    """Stored records by name; `view` reads one as the port returns it, `activated` gives the
    record as it is once activated or paused at a time."""

    def __init__(
        self,
        records: dict[str, S],
        view: Callable[[S], V],
        activated: Callable[[S, bool, float], S],
    ) -> None:
        self.records = records
        self._view = view
        self._activated = activated

    async def set_active(self, name: str, active: bool, at: float) -> bool:
        stored = self.records.get(name)
        if stored is None:
            return False
        self.records[name] = self._activated(stored, active, at)
        return True

    async def all(self) -> list[V]:
        return [self._view(self.records[n]) for n in sorted(self.records)]

    async def get(self, name: str) -> V | None:
        stored = self.records.get(name)
        return None if stored is None else self._view(stored)


def stamped(record: Any, active: bool, at: float) -> Any:
    """A record with `active` and `updated_at` fields, activated or paused at `at`."""
    return dataclasses.replace(record, active=active, updated_at=at)
