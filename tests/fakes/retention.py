"""Sources' retention and events in memory (the port: app/ports/retention.py).

Stores made with `in_workspace` share one set of sources and events, as two workspaces share
one graph.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class StoredEvent:
    id: str
    ws: str
    source: str
    at: float


@dataclass
class Nodes:
    #: Each workspace's sources with their own retention (None: the default), by id.
    sources: dict[str, dict[str, int | None]] = field(default_factory=dict)
    #: Every workspace's events, in the order they were stored.
    events: list[StoredEvent] = field(default_factory=list)


class InMemoryRetentionStore:
    def __init__(self, ws: str = "ws", nodes: Nodes | None = None) -> None:
        self.ws = ws
        self.nodes = Nodes() if nodes is None else nodes
        self._ids = itertools.count(1)

    def in_workspace(self, ws: str) -> InMemoryRetentionStore:
        """A store of another workspace over the same nodes."""
        return InMemoryRetentionStore(ws, self.nodes)

    def add_source(self, source_id: str, days: int | None = None) -> None:
        self.nodes.sources.setdefault(self.ws, {})[source_id] = days

    def add_event(self, source: str, at: float) -> str:
        """Store an event of this workspace (as ingestion would); returns its id."""
        event = StoredEvent(f"{self.ws}:e{next(self._ids)}", self.ws, source, at)
        self.nodes.events.append(event)
        return event.id

    def event_ids(self) -> list[str]:
        """The ids of this workspace's events still stored."""
        return [e.id for e in self.nodes.events if e.ws == self.ws]

    async def set_source_retention(self, source_id: str, days: int | None) -> bool:
        mine = self.nodes.sources.get(self.ws, {})
        if source_id not in mine:
            return False
        mine[source_id] = days
        return True

    async def source_retention(self) -> dict[str, int | None]:
        return dict(sorted(self.nodes.sources.get(self.ws, {}).items()))

    def _delete(self, wanted: Callable[[StoredEvent], bool], limit: int) -> int:
        victims = [e for e in self.nodes.events if e.ws == self.ws and wanted(e)][:limit]
        gone = {e.id for e in victims}
        self.nodes.events = [e for e in self.nodes.events if e.id not in gone]
        return len(victims)

    async def delete_source_events(self, source_id: str, before: float, limit: int) -> int:
        return self._delete(lambda e: e.source == source_id and e.at < before, limit)

    async def delete_other_events(self, sources: Sequence[str], before: float, limit: int) -> int:
        listed = set(sources)
        return self._delete(lambda e: e.source not in listed and e.at < before, limit)
