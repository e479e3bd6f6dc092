"""Destination definitions as `(:Destination)` nodes, configuration sealed
(cypher/destinations/)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.adapters.identity_graph import IdentityGraph
from app.adapters.stores.definitions import Neo4jDefinitions
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


class Neo4jDestinationStore(Neo4jDefinitions[StoredDestination]):
    def __init__(self, graph: IdentityGraph) -> None:
        super().__init__("destinations", _destination, graph.read, graph.run_write)
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
