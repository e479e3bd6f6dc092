"""Tracking sources as `(:Source)` nodes (cypher/sources/)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.adapters.neo4j_db import Graph
from app.ports.sources import Source


def _source(row: Mapping[str, Any]) -> Source:
    return Source(row["id"], row["ws"], row["name"], float(row["trust"]))


class Neo4jSourceStore:
    def __init__(self, graph: Graph, ws: str) -> None:
        self.graph = graph
        self.ws = ws

    async def create(
        self, *, source_id: str, name: str, trust: float, key_hash: str, at: float
    ) -> None:
        await self._write("sources/create", source_id, name, trust, key_hash, at)

    async def ensure(
        self, *, source_id: str, name: str, trust: float, key_hash: str, at: float
    ) -> None:
        await self._write("sources/ensure_default", source_id, name, trust, key_hash, at)

    async def _write(
        self, query: str, source_id: str, name: str, trust: float, key_hash: str, at: float
    ) -> None:
        await self.graph.write(
            query, id=source_id, ws=self.ws, name=name, key_hash=key_hash, trust=trust, at=at
        )

    async def set_key(self, source_id: str, key_hash: str, at: float) -> bool:
        rows = await self.graph.write(
            "sources/rotate_key", id=source_id, ws=self.ws, key_hash=key_hash, at=at
        )
        return bool(rows)

    async def set_trust(self, source_id: str, trust: float, at: float) -> Source | None:
        rows = await self.graph.write(
            "sources/set_trust", id=source_id, ws=self.ws, trust=trust, at=at
        )
        return _source(rows[0]) if rows else None

    async def list(self) -> list[Source]:
        return [_source(r) for r in await self.graph.read("sources/list", ws=self.ws)]

    async def by_key_hash(self, key_hash: str) -> Source | None:
        rows = await self.graph.read("sources/by_key_hash", key_hash=key_hash, ws=self.ws)
        return _source(rows[0]) if rows else None
