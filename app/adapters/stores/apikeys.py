"""API keys as `(:ApiKey)` nodes, found by their secret's SHA-256 digest (cypher/apikeys/)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.adapters.neo4j_db import Graph
from app.domain.access import Role
from app.ports.apikeys import ApiKeyView


def _view(row: Mapping[str, Any]) -> ApiKeyView:
    expires = row["expires_at"]
    return ApiKeyView(
        id=row["id"],
        name=row["name"],
        role=Role(row["role"]),
        created_at=float(row["created_at"]),
        expires_at=None if expires is None else float(expires),
        revoked=bool(row["revoked"]),
    )


class Neo4jApiKeyStore:
    def __init__(self, graph: Graph, ws: str) -> None:
        self.graph = graph
        self.ws = ws

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
        await self.graph.write(
            "apikeys/create",
            id=key_id,
            ws=self.ws,
            name=name,
            role=role.value,
            key_hash=key_hash,
            at=at,
            expires_at=expires_at,
        )

    async def list(self) -> list[ApiKeyView]:
        return [_view(r) for r in await self.graph.read("apikeys/list", ws=self.ws)]

    async def revoke(self, key_id: str, at: float) -> bool:
        return bool(await self.graph.write("apikeys/revoke", id=key_id, ws=self.ws, at=at))

    async def by_hash(self, key_hash: str) -> ApiKeyView | None:
        rows = await self.graph.read("apikeys/by_hash", key_hash=key_hash, ws=self.ws)
        return _view(rows[0]) if rows else None
