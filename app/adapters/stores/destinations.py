"""Destination definitions as `(:Destination)` nodes, configuration sealed
(cypher/destinations/)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.adapters.identity_graph import IdentityGraph
from app.ports.destinations import DestinationSpec, StoredDestination


def _destination(row: Mapping[str, Any]) -> StoredDestination:
    return StoredDestination(
        name=row["name"],
        kind=row["kind"],
        purpose=row["purpose"],
        topics=tuple(row["topics"]),
        batch_size=int(row["batch_size"]),
        forward_erasures=bool(row["forward_erasures"]),
        config_enc=row["config_enc"],
        active=bool(row["active"]),
    )


class Neo4jDestinationStore:
    def __init__(self, graph: IdentityGraph) -> None:
        self.graph = graph

    async def save(self, spec: DestinationSpec, at: float) -> None:
        await self.graph.run_write(
            "destinations/save",
            name=spec.name,
            kind=spec.kind,
            purpose=spec.purpose,
            topics=list(spec.topics),
            batch_size=spec.batch_size,
            forward_erasures=spec.forward_erasures,
            config_enc=spec.config_enc,
            at=at,
        )

    async def set_active(self, name: str, active: bool, at: float) -> bool:
        rows = await self.graph.run_write(
            "destinations/set_active", name=name, active=active, at=at
        )
        return bool(rows)

    async def all(self) -> list[StoredDestination]:
        return [_destination(r) for r in await self.graph.read("destinations/list")]

    async def get(self, name: str) -> StoredDestination | None:
        rows = await self.graph.read("destinations/get", name=name)
        return _destination(rows[0]) if rows else None
