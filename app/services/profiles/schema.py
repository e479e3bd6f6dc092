"""The trait schema as data: config/traits.yaml by default, replaced by an edit through the API.

An edit is validated in full before it is stored, and every process picks it up within
SCHEMA_CACHE_SECONDS. Golden records follow as their profiles change (or after
`cdp reresolve`, which recomputes every component and its records).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from app.domain.traits import TraitError, TraitSchema
from app.errors import InvalidInput
from app.ports.trait_schema import TraitSchemaStore

SCHEMA_CACHE_SECONDS = 30.0


class TraitSchemaService:
    def __init__(
        self,
        store: TraitSchemaStore,
        default: TraitSchema,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.default = default
        self.clock = clock
        self.monotonic = monotonic
        self._cached: tuple[float, TraitSchema, int] | None = None

    async def current(self) -> TraitSchema:
        return (await self._load())[0]

    async def version(self) -> int:
        """0 while the file's schema is in force, then 1, 2... for each edit."""
        return (await self._load())[1]

    async def _load(self) -> tuple[TraitSchema, int]:
        now = self.monotonic()
        if self._cached is not None and now - self._cached[0] < SCHEMA_CACHE_SECONDS:
            return self._cached[1], self._cached[2]
        stored = await self.store.stored()
        schema, version = (self.default, 0) if stored is None else (stored.schema, stored.version)
        self._cached = (now, schema, version)
        return schema, version

    async def update(self, data: Mapping[str, Any], by: str) -> int:
        """Validate and store a whole schema (the same structure as config/traits.yaml)."""
        try:
            schema = TraitSchema.from_mapping(data)
        except TraitError as exc:
            raise InvalidInput(f"trait schema: {exc}") from None
        version = await self.store.save(schema, self.clock(), by)
        self._cached = None
        return version
