"""What event retention needs from storage: each source's retention, and events deleted in
batches."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class RetentionStore(Protocol):
    async def set_source_retention(self, source_id: str, days: int | None) -> bool:
        """Set a source's retention in days (None: the workspace default); False when the
        workspace has no such source."""

    async def source_retention(self) -> dict[str, int | None]:
        """Every source of the workspace with its own retention (None: the default), by id."""

    async def delete_source_events(self, source_id: str, before: float, limit: int) -> int:
        """Delete at most `limit` of the source's events that happened before `before`;
        returns how many went."""

    async def delete_other_events(self, sources: Sequence[str], before: float, limit: int) -> int:
        """Delete at most `limit` events before `before` whose source is none of `sources`
        (sources removed since, imports); returns how many went."""
