"""The change feed and event owners in memory (the ports: app/ports/changes.py).

The feed keeps Valkey's consumer-group semantics: the group starts at the feed's end, a read
hands new entries to one consumer where they stay pending until acknowledged, and an entry
deleted while pending comes back empty.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Mapping, Sequence

from app.ports.changes import FeedEntry, FeedNotice, ProfileNotice


class InMemoryChangeFeed:
    def __init__(self) -> None:
        #: Entries in the feed, in order (acknowledged ones are deleted).
        self.entries: dict[str, FeedEntry] = {}
        self.pending: dict[str, list[str]] = {}
        self._sequence = 0
        self._delivered: int | None = None  # None: no consumer group yet
        self.subscribers: list[asyncio.Queue[ProfileNotice]] = []

    async def publish(
        self, notices: Sequence[ProfileNotice], events: Sequence[tuple[str, str | None]]
    ) -> None:
        for queue in self.subscribers:
            for notice in notices:
                queue.put_nowait(notice)
        self._sequence += 1
        entry_id = f"{self._sequence}-0"
        self.entries[entry_id] = FeedEntry(
            entry_id,
            tuple(FeedNotice(n.profile_id, n.kind, tuple(n.related)) for n in notices),
            tuple((key, name or "") for key, name in events),
        )

    async def listen(self) -> AsyncGenerator[ProfileNotice, None]:
        queue: asyncio.Queue[ProfileNotice] = asyncio.Queue()
        self.subscribers.append(queue)
        try:
            while True:
                yield await queue.get()
        finally:
            self.subscribers.remove(queue)

    async def ensure_group(self) -> None:
        if self._delivered is None:
            self._delivered = self._sequence

    async def read_new(self, consumer: str, count: int, block_ms: int | None) -> list[FeedEntry]:
        if self._delivered is None:
            raise LookupError("NOGROUP: the consumer group does not exist")
        delivered = self._delivered
        fresh = [e for i, e in self.entries.items() if int(i.split("-")[0]) > delivered][:count]
        if fresh:
            self._delivered = int(fresh[-1].id.split("-")[0])
            self.pending.setdefault(consumer, []).extend(e.id for e in fresh)
        return fresh

    async def read_pending(self, consumer: str, count: int) -> list[FeedEntry]:
        if self._delivered is None:
            raise LookupError("NOGROUP: the consumer group does not exist")
        ids = self.pending.get(consumer, [])[:count]
        return [self.entries.get(i, FeedEntry(i)) for i in ids]

    async def ack(self, ids: Sequence[str]) -> None:
        done = set(ids)
        for consumer, waiting in self.pending.items():
            self.pending[consumer] = [i for i in waiting if i not in done]
        for i in done:
            self.entries.pop(i, None)


class InMemoryOwnerProfiles:
    def __init__(self, owners: Mapping[str, str] | None = None) -> None:
        #: identifier key -> its current profile
        self.owners: dict[str, str] = dict(owners or {})

    async def profiles_of(self, keys: Sequence[str]) -> dict[str, str]:
        return {k: self.owners[k] for k in keys if k in self.owners}
