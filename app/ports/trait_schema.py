"""What the trait schema needs from storage: the schema of the last edit, and a new edit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from app.domain.traits import TraitSchema


@dataclass(frozen=True)
class StoredSchema:
    """The workspace's schema as last edited: 1 for the first edit, then 2, 3..."""

    schema: TraitSchema
    version: int
    updated_at: float


class TraitSchemaStore(Protocol):
    async def stored(self) -> StoredSchema | None:
        """The edited schema, or None while nobody edited it (the file's is in force)."""

    async def save(self, schema: TraitSchema, at: float, by: str) -> int:
        """Replace the edited schema; returns its new version."""
