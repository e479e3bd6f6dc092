"""The edited trait schema in memory (the port: app/ports/trait_schema.py)."""

from __future__ import annotations

from app.domain.traits import TraitSchema
from app.ports.trait_schema import StoredSchema


class InMemoryTraitSchemaStore:
    def __init__(self) -> None:
        self.saved: StoredSchema | None = None
        #: Who made each edit, oldest first.
        self.editors: list[str] = []

    async def stored(self) -> StoredSchema | None:
        return self.saved

    async def save(self, schema: TraitSchema, at: float, by: str) -> int:
        # Stored as data, as the graph stores it: what comes back is what the data says.
        version = (self.saved.version if self.saved else 0) + 1
        self.saved = StoredSchema(TraitSchema.from_mapping(schema.to_mapping()), version, at)
        self.editors.append(by)
        return version
