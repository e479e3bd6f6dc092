"""API keys in memory (the port: app/ports/apikeys.py).

Stores made with `in_workspace` share one set of keys, as two workspaces share one graph.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from app.domain.access import Role
from app.ports.apikeys import ApiKeyView


@dataclass
class StoredKey:
    ws: str
    key_hash: str
    view: ApiKeyView


class InMemoryApiKeyStore:
    def __init__(self, ws: str = "ws", keys: list[StoredKey] | None = None) -> None:
        self.ws = ws
        #: Every workspace's keys, in creation order.
        self.keys: list[StoredKey] = [] if keys is None else keys

    def in_workspace(self, ws: str) -> InMemoryApiKeyStore:
        """A store of another workspace over the same keys."""
        return InMemoryApiKeyStore(ws, self.keys)

    def _mine(self) -> list[StoredKey]:
        return [k for k in self.keys if k.ws == self.ws]

    async def create(
        self,
        *,
        key_id: str,
        name: str,
        role: Role,
        key_hash: str,
        at: float,
        expires_at: float | None,
    ) -> None:
        if any(k.view.id == key_id or k.key_hash == key_hash for k in self.keys):
            raise ValueError("a key with that id or digest exists")  # the graph's constraints
        view = ApiKeyView(key_id, name, role, at, expires_at, False)
        self.keys.append(StoredKey(self.ws, key_hash, view))

    async def list(self) -> list[ApiKeyView]:
        return [k.view for k in sorted(self._mine(), key=lambda k: k.view.created_at)]

    async def revoke(self, key_id: str, at: float) -> bool:
        hits = [k for k in self._mine() if k.view.id == key_id]
        for k in hits:
            k.view = replace(k.view, revoked=True)
        return bool(hits)

    async def by_hash(self, key_hash: str) -> ApiKeyView | None:
        return next((k.view for k in self._mine() if k.key_hash == key_hash), None)
