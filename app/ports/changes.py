"""What the change feed needs: notices broadcast to live subscribers and appended to a stream
that the change dispatcher consumes with a consumer group, and the profiles that own events.

A notice says which profile changed and how (`merged`, `merged_into`, `split`, `created`,
`identifiers`, `joined`, `traits`, `consent`, `segment_entered`, `segment_left`, `erased`), with
the ids it relates to (for `joined`, the identifier types); notices and feed entries carry ids,
types and event names only, never a value.
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, Sequence
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class ProfileNotice:
    profile_id: str
    kind: str
    related: tuple[str, ...] = ()
    at: float = field(default_factory=time.time)


@dataclass(frozen=True)
class FeedNotice:
    """A notice as the feed keeps it (without its time)."""

    profile_id: str
    kind: str
    related: tuple[str, ...] = ()


@dataclass(frozen=True)
class FeedEntry:
    """One published batch as read from the feed (an entry deleted while pending is empty)."""

    id: str
    notices: tuple[FeedNotice, ...] = ()
    #: (owner identifier key, event name) of newly stored events
    events: tuple[tuple[str, str], ...] = ()


class ChangeFeed(Protocol):
    async def publish(
        self, notices: Sequence[ProfileNotice], events: Sequence[tuple[str, str | None]]
    ) -> None:
        """Broadcast the notices to live subscribers and append them, with the events stored
        (owner identifier key, event name), to the feed as one entry (bounded: the oldest go
        first). Best effort: an unreachable or refusing server loses the batch (logged) and
        never fails the change it describes."""

    def listen(self) -> AsyncGenerator[ProfileNotice, None]:
        """Every notice broadcast from now on, until the caller stops iterating (and closes
        the generator). Broadcasts are not kept: a subscriber misses what came before."""
        ...

    async def ensure_group(self) -> None:
        """Create the dispatchers' consumer group if missing; it starts at the feed's end."""

    async def read_new(self, consumer: str, count: int, block_ms: int | None) -> list[FeedEntry]:
        """Entries never delivered to the group, oldest first, now pending for `consumer`;
        waits up to `block_ms` for one (None: only what is there now)."""

    async def read_pending(self, consumer: str, count: int) -> list[FeedEntry]:
        """Entries delivered to `consumer` and not acknowledged, oldest first."""

    async def ack(self, ids: Sequence[str]) -> None:
        """Acknowledge and delete entries."""


class OwnerProfiles(Protocol):
    async def profiles_of(self, keys: Sequence[str]) -> dict[str, str]:
        """The current profile of each identifier key (keys not stored are left out)."""
