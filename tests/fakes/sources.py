"""Tracking sources in memory (the port: app/ports/sources.py).

Stores made with `in_workspace` share one set of nodes, as two workspaces share one graph.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.ports.sources import Source


@dataclass
class StoredSource:
    id: str
    ws: str
    name: str
    trust: float
    key_hash: str
    created_at: float
    rotated_at: float


class InMemorySourceStore:
    def __init__(self, ws: str = "ws", nodes: dict[str, StoredSource] | None = None) -> None:
        self.ws = ws
        #: Every workspace's sources, by id (ids are unique across workspaces).
        self.nodes: dict[str, StoredSource] = {} if nodes is None else nodes

    def in_workspace(self, ws: str) -> InMemorySourceStore:
        """A store of another workspace over the same nodes."""
        return InMemorySourceStore(ws, self.nodes)

    def _mine(self) -> list[StoredSource]:
        return [n for n in self.nodes.values() if n.ws == self.ws]

    async def create(
        self, *, source_id: str, name: str, trust: float, key_hash: str, at: float
    ) -> None:
        if source_id in self.nodes or any(n.key_hash == key_hash for n in self._mine()):
            raise ValueError("a source with that id or key exists")  # the graph's constraints
        self.nodes[source_id] = StoredSource(source_id, self.ws, name, trust, key_hash, at, at)

    async def ensure(
        self, *, source_id: str, name: str, trust: float, key_hash: str, at: float
    ) -> None:
        node = self.nodes.get(source_id)
        if node is None:
            self.nodes[source_id] = StoredSource(source_id, self.ws, name, trust, key_hash, at, at)
        else:
            node.key_hash = key_hash

    async def set_key(self, source_id: str, key_hash: str, at: float) -> bool:
        node = self.nodes.get(source_id)
        if node is None or node.ws != self.ws:
            return False
        node.key_hash, node.rotated_at = key_hash, at
        return True

    async def set_trust(self, source_id: str, trust: float, at: float) -> Source | None:
        node = self.nodes.get(source_id)
        if node is None or node.ws != self.ws:
            return None
        node.trust = trust
        return Source(node.id, node.ws, node.name, node.trust)

    async def list(self) -> list[Source]:
        return [
            Source(n.id, n.ws, n.name, n.trust)
            for n in sorted(self._mine(), key=lambda n: (n.name, n.id))
        ]

    async def by_key_hash(self, key_hash: str) -> Source | None:
        found = [n for n in self._mine() if n.key_hash == key_hash]
        return Source(found[0].id, found[0].ws, found[0].name, found[0].trust) if found else None
