"""The event stream in memory (the ports: app/ports/stream.py): one consumer group, entries
pending per consumer until acknowledged, de-duplication by (source, message id) for a window,
a backlog bound, counters and dead letters, as the Valkey stream keeps them."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from app.ports.stream import AcceptOutcome, DeadLetterRow, StreamEntry


@dataclass
class _Delivery:
    consumer: str
    at: float


class InMemoryEventStream:
    def __init__(self, dedup_seconds: int = 86_400, clock: Callable[[], float] = time.time):
        self.dedup_seconds = dedup_seconds
        self.clock = clock
        #: Entries waiting (delivered or not), in the order they were appended.
        self.entries: dict[str, StreamEntry] = {}
        #: Entries delivered to a consumer and not acknowledged.
        self.pending: dict[str, _Delivery] = {}
        self.backlog = 0
        self.counters: Counter[str] = Counter()
        self.failures: Counter[str] = Counter()
        self.dead: dict[str, tuple[str, bytes, str]] = {}
        self._seen: dict[str, float] = {}
        self._delivered_upto = 0  # how many appends the group has delivered
        self._appended = 0
        self._group = False
        #: The other streams that name people (the change feed, outboxes), by name: entry id
        #: -> payload; a test fills them for `purge_mentions`.
        self.naming_people: dict[str, dict[str, bytes]] = {}
        #: Times the log was asked to be rewritten.
        self.compactions = 0

    def _next_id(self) -> str:
        self._appended += 1
        return f"{int(self.clock() * 1000)}-{self._appended}"

    async def accept(
        self, source: str, messages: Sequence[tuple[str, bytes]], bound: int
    ) -> AcceptOutcome:
        if self.backlog + len(messages) > bound:
            return AcceptOutcome(0, 0, refused_backlog=self.backlog)
        now = self.clock()
        fresh: list[bytes] = []
        marks: list[str] = []
        for message_id, payload in messages:
            mark = f"{source}:{message_id}"
            seen_at = self._seen.get(mark)
            recent = seen_at is not None and now - seen_at < self.dedup_seconds
            if mark in marks or (self.dedup_seconds > 0 and recent):
                continue
            fresh.append(payload)
            marks.append(mark)
        if fresh:
            entry_id = self._next_id()
            self.entries[entry_id] = StreamEntry(entry_id, source, tuple(fresh))
            if self.dedup_seconds > 0:
                self._seen.update(dict.fromkeys(marks, now))
            self.backlog += len(fresh)
            self.counters["accepted"] += len(fresh)
        return AcceptOutcome(len(fresh), len(messages) - len(fresh))

    async def ensure_group(self) -> None:
        self._group = True

    def _order(self, entry_id: str) -> int:
        return int(entry_id.split("-")[1])

    async def read_new(self, consumer: str, count: int, block_ms: int | None) -> list[StreamEntry]:
        assert self._group, "the consumer group does not exist"
        new = [e for i, e in self.entries.items() if self._order(i) > self._delivered_upto]
        delivered = new[:count]
        for entry in delivered:
            self.pending[entry.id] = _Delivery(consumer, self.clock())
            self._delivered_upto = self._order(entry.id)
        # A read goes to the server and back: it lets other tasks run, and an empty blocking
        # read waits (a little) before answering.
        await asyncio.sleep(0.01 if block_ms is not None and not delivered else 0)
        return delivered

    async def read_own_pending(self, consumer: str, count: int) -> list[StreamEntry]:
        mine = [self.entries[i] for i, d in self.pending.items() if d.consumer == consumer]
        return mine[:count]

    async def claim_stale(self, consumer: str, min_idle_ms: int, count: int) -> list[StreamEntry]:
        now = self.clock()
        stale = [i for i, d in self.pending.items() if (now - d.at) * 1000 >= min_idle_ms]
        claimed = stale[:count]
        for entry_id in claimed:
            self.pending[entry_id] = _Delivery(consumer, now)
        return [self.entries[i] for i in claimed]

    async def ack(self, entries: Sequence[StreamEntry], messages: int) -> None:
        for entry in entries:
            self.pending.pop(entry.id, None)
            self.entries.pop(entry.id, None)
        self.backlog = max(0, self.backlog - messages)

    async def count(self, field: str, amount: int = 1) -> None:
        await self.count_many({field: amount})

    async def count_many(self, amounts: Mapping[str, int]) -> None:
        for field, amount in amounts.items():
            if amount:
                self.counters[field] += amount

    async def failure_count(self, entry_id: str) -> int:
        self.failures[entry_id] += 1
        return self.failures[entry_id]

    async def forget_failures(self, entry_ids: Sequence[str]) -> None:
        for entry_id in entry_ids:
            self.failures.pop(entry_id, None)

    async def dead_letter(self, source: str, payload: bytes, reason: str) -> None:
        self.dead[self._next_id()] = (source, payload, reason)
        self.counters["dead_lettered"] += 1

    async def dead_letters(self, count: int) -> list[DeadLetterRow]:
        return await self.dead_letters_after("", count)

    async def dead_letters_after(self, after: str, count: int) -> list[DeadLetterRow]:
        start = self._order(after) if after else 0
        rows = [(i, *letter) for i, letter in self.dead.items() if self._order(i) > start]
        return rows[:count]

    async def remove_dead_letter(self, entry_id: str) -> None:
        self.dead.pop(entry_id, None)

    async def entries_after(self, after: str, count: int) -> list[StreamEntry]:
        start = self._order(after) if after else 0
        return [e for i, e in self.entries.items() if self._order(i) > start][:count]

    async def drop_messages(self, entry: StreamEntry, drop: set[int]) -> int:
        if entry.id not in self.entries:
            return 0
        keep = tuple(m for i, m in enumerate(entry.messages) if i not in drop)
        del self.entries[entry.id]
        self.pending.pop(entry.id, None)
        if keep:
            # The kept messages wait again as a new, undelivered entry.
            entry_id = self._next_id()
            self.entries[entry_id] = StreamEntry(entry_id, entry.source, keep)
        removed = len(entry.messages) - len(keep)
        self.backlog = max(0, self.backlog - removed)
        return removed

    async def purge_mentions(self, needles: Sequence[str]) -> int:
        wanted = [n.encode() for n in needles]
        removed = 0
        for entries in self.naming_people.values():
            doomed = [i for i, payload in entries.items() if any(w in payload for w in wanted)]
            for entry_id in doomed:
                del entries[entry_id]
            removed += len(doomed)
        return removed

    async def compact_log(self) -> bool:
        self.compactions += 1
        return True

    def waiting(self) -> int:
        """Messages accepted and not yet acknowledged."""
        return sum(len(e.messages) for e in self.entries.values())
