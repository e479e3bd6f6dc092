"""What destinations need from storage: their definitions (configuration sealed) and, per
destination, an outbox of items waiting for delivery with its dead letters and counters."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from app.ports.definitions import Definitions


@dataclass(frozen=True)
class DestinationSpec:
    """A destination to create or replace; `config_enc` is its configuration, sealed."""

    name: str
    kind: str
    purpose: str | None
    topics: tuple[str, ...]
    batch_size: int
    forward_erasures: bool
    config_enc: str


@dataclass(frozen=True)
class StoredDestination(DestinationSpec):
    """A destination as stored: its definition, and whether deliveries run."""

    active: bool


class DestinationStore(Definitions[StoredDestination], Protocol):
    async def save(self, spec: DestinationSpec, at: float) -> None:
        """Create (stopped) or replace a destination's definition; replacing keeps its state."""


@dataclass(frozen=True)
class OutboxEntry:
    """An item waiting in an outbox; `id` orders the entries (oldest first)."""

    id: str
    item: dict[str, Any]


@dataclass(frozen=True)
class DeadLetter:
    """An item given up on: why (the error's kind) and, for a refusal, the rule that refused."""

    item: dict[str, Any]
    reason: str
    detail: str | None


class DestinationOutbox(Protocol):
    """Items per destination, in order, until delivered or dead-lettered.

    Counters per destination: `delivered`, `skipped_no_consent`, `failed_attempts`,
    `dead_lettered`, `refused` (each once it has been counted) and `attempt`, the failed
    attempts at the current batch."""

    async def append(self, name: str, items: Sequence[Mapping[str, Any]]) -> int:
        """Queue items at the end of the outbox; returns how many."""

    async def head(self, name: str, count: int) -> list[OutboxEntry]:
        """The oldest `count` entries, oldest first; they stay until removed."""

    async def delivered(
        self, name: str, entries: Sequence[OutboxEntry], delivered: int, skipped: int
    ) -> None:
        """Remove a handled batch and count its delivered and skipped items; the next batch
        starts at attempt 0. One atomic step."""

    async def failed(self, name: str) -> int:
        """Count a failed attempt at the current batch; returns its number (1 for the first)."""

    async def dead_letter(
        self,
        name: str,
        entries: Sequence[OutboxEntry],
        reason: str,
        detail: str | None = None,
        *,
        refused: bool = False,
    ) -> None:
        """Move entries to the dead letters with why; counted as dead-lettered (and refused
        when the target may not be called); the next batch starts at attempt 0. Atomic."""

    async def dead_letters(self, name: str) -> list[DeadLetter]:
        """The dead letters, oldest first."""

    async def replay(self, name: str) -> int:
        """Move every dead letter back to the end of the outbox; returns how many."""

    async def stats(self, name: str) -> dict[str, int]:
        """The counters, with `waiting` (items in the outbox) and `dead_letters`."""
