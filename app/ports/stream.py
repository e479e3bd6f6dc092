"""What the tracking path needs from the event stream: accepted requests appended atomically and
de-duplicated, read by a consumer group at least once, acknowledged after their transaction
committed, and the messages that keep failing kept as dead letters.

One protocol per role: acceptance (the API), the resolver, dead-letter handling, and erasure
(which removes a subject's messages still waiting). Valkey implements all four
(app/adapters/valkey/stream.py); tests/fakes/stream.py keeps them in memory.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class StreamEntry:
    """One accepted request: its source and the messages (JSON) that were not duplicates."""

    id: str
    source: str
    messages: tuple[bytes, ...]


@dataclass(frozen=True)
class AcceptOutcome:
    accepted: int
    duplicates: int
    refused_backlog: int | None = None  # set when refused for back-pressure


#: A dead letter: (id, source, message JSON, reason).
DeadLetterRow = tuple[str, str, bytes, str]


class EventIntake(Protocol):
    async def accept(
        self, source: str, messages: Sequence[tuple[str, bytes]], bound: int
    ) -> AcceptOutcome:
        """Append the messages (message id, JSON) not seen within the de-duplication window,
        as one entry, all or nothing; refuse them all when the backlog passes `bound`."""


class DeadLetters(Protocol):
    async def dead_letter(self, source: str, payload: bytes, reason: str) -> None:
        """Keep a message the resolver gave up on, with the reason (an error's name)."""

    async def dead_letters(self, count: int) -> list[DeadLetterRow]:
        """The oldest dead letters."""

    async def remove_dead_letter(self, entry_id: str) -> None:
        """Forget a dead letter (replayed, or erased)."""


class EventFeed(DeadLetters, Protocol):
    """The resolver's side: a consumer group's reads, acknowledgements and counters."""

    #: How long (s) acceptance de-duplicates: 0 when it does not.
    dedup_seconds: int

    async def ensure_group(self) -> None:
        """Create the consumer group if it does not exist."""

    async def read_new(self, consumer: str, count: int, block_ms: int | None) -> list[StreamEntry]:
        """Entries never delivered to the group; `block_ms` None: only what is there now."""

    async def read_own_pending(self, consumer: str, count: int) -> list[StreamEntry]:
        """Entries delivered to this consumer before and never acknowledged."""

    async def claim_stale(self, consumer: str, min_idle_ms: int, count: int) -> list[StreamEntry]:
        """Take over entries of a consumer that died (idle longer than `min_idle_ms`)."""

    async def ack(self, entries: Sequence[StreamEntry], messages: int) -> None:
        """Acknowledge entries holding `messages` messages (they leave the backlog)."""

    async def count(self, field: str, amount: int = 1) -> None:
        """Bump one counter."""

    async def count_many(self, amounts: Mapping[str, int]) -> None:
        """Bump several counters at once."""

    async def failure_count(self, entry_id: str) -> int:
        """Count one more failed attempt at an entry; how many so far."""

    async def forget_failures(self, entry_ids: Sequence[str]) -> None:
        """Forget the failed attempts at these entries."""


class StreamPurge(Protocol):
    """Erasure's side: a subject's messages still waiting, and mentions of it elsewhere."""

    async def entries_after(self, after: str, count: int) -> list[StreamEntry]:
        """Entries waiting (pending or not), oldest first, after an id ("" from the start)."""

    async def drop_messages(self, entry: StreamEntry, drop: set[int]) -> int:
        """Remove some messages (by position) from a waiting entry; how many went."""

    async def dead_letters_after(self, after: str, count: int) -> list[DeadLetterRow]:
        """Dead letters, oldest first, after an id ("" from the start)."""

    async def remove_dead_letter(self, entry_id: str) -> None:
        """Forget a dead letter."""

    async def purge_mentions(self, needles: Sequence[str]) -> int:
        """Delete feed, outbox and dead-letter entries mentioning any of these ids or keys;
        how many went."""

    async def compact_log(self) -> bool:
        """Ask the store to rewrite its log so deleted entries leave it too."""
