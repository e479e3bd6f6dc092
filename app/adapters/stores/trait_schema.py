"""The edited trait schema as one `(:TraitSchema)` node per workspace, its JSON and version
(cypher/traits/)."""

from __future__ import annotations

import orjson

from app.adapters.neo4j_db import Graph
from app.domain.traits import TraitSchema
from app.ports.trait_schema import StoredSchema


class Neo4jTraitSchemaStore:
    def __init__(self, graph: Graph, ws: str) -> None:
        self.graph = graph
        self.ws = ws

    async def stored(self) -> StoredSchema | None:
        rows = await self.graph.read("traits/stored_schema", ws=self.ws)
        if not rows or not rows[0]["json"]:
            return None
        row = rows[0]
        return StoredSchema(
            schema=TraitSchema.from_mapping(orjson.loads(row["json"])),
            version=int(row["version"]),
            updated_at=float(row["updated_at"]),
        )

    async def save(self, schema: TraitSchema, at: float, by: str) -> int:
        rows = await self.graph.write(
            "traits/store_schema",
            ws=self.ws,
            json=orjson.dumps(schema.to_mapping()).decode(),
            at=at,
            by=by,
        )
        return int(rows[0]["version"])
