"""Named definitions in Neo4j, one Cypher folder per kind (`<kind>/set_active`, `<kind>/list`,
`<kind>/get`, each scoped to the workspace): what segments, journeys and destinations share."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Generic, TypeVar

V = TypeVar("V")

#: A named query run with its parameters (the workspace's `$ws` already bound).
Run = Callable[..., Awaitable[list[dict[str, Any]]]]


class Neo4jDefinitions(Generic[V]):
    def __init__(
        self, kind: str, view: Callable[[Mapping[str, Any]], V], read: Run, write: Run
    ) -> None:
        self.kind = kind
        self._view = view
        self._read = read
        self._write = write

    async def set_active(self, name: str, active: bool, at: float) -> bool:
        rows = await self._write(f"{self.kind}/set_active", name=name, active=active, at=at)
        return bool(rows)

    async def all(self) -> list[V]:
        return [self._view(r) for r in await self._read(f"{self.kind}/list")]

    async def get(self, name: str) -> V | None:
        rows = await self._read(f"{self.kind}/get", name=name)
        return self._view(rows[0]) if rows else None
