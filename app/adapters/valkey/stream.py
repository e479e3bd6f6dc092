"""The event stream in Valkey: atomic acceptance, consumer-group reads, acks, dead letters.

Acceptance is one Lua script: it refuses when the backlog passes its bound, de-duplicates each
message on (source, messageId) for a bounded window, and appends the survivors as one stream
entry, all or nothing. Valkey runs scripts atomically, so a crash leaves either the whole
entry or nothing, and the answer to the tracker is given only after the script returned. The
script writes nothing before its append succeeds, so a refused append never leaves
de-duplication marks behind that would turn the tracker's retry into silent loss.

An entry holds its messages in one field, `m`, joined by newlines, with their number in `n`.
Every message is sealed before it is appended (app/privacy/stream_seal.py) and opened when it
is read, dead letters included: Valkey's memory, append-only file and snapshots never hold a
tracked payload in clear. (The change feed, the segment event stream and destination outboxes
are other keys, still in clear; `purge_mentions` relies on that to find an erased subject.)
Entries written by earlier versions, one plain JSON field per message (`m1`,
`m2`, ...), are still read.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from app.adapters.valkey.keys import WorkspaceKeys
from app.adapters.valkey.stream_scripts import ACCEPT, ACK, REWRITE
from app.ports.stream import AcceptOutcome, DeadLetterRow, StreamEntry
from app.privacy.errors import DecryptionError
from app.privacy.stream_seal import StreamSeal

__all__ = ["AcceptOutcome", "EventStream", "StreamEntry", "joined"]


def joined(messages: Sequence[bytes]) -> bytes:
    """The `m` field of an entry; refuses a message holding a raw newline (never valid JSON
    output, so never one of ours)."""
    if any(b"\n" in m for m in messages):
        raise ValueError("a stream message must not contain a raw newline")
    return b"\n".join(messages)


def _messages(fields: Mapping[str, Any]) -> tuple[bytes, ...]:
    """The messages of an entry's fields, in either layout."""
    if "m" in fields:
        return tuple(cast(bytes, fields["m"]).split(b"\n"))
    numbered = (k for k in fields if k[:1] == "m" and k[1:].isdigit())
    return tuple(cast(bytes, fields[k]) for k in sorted(numbered, key=lambda k: int(k[1:])))


#: How long a minute's counters are kept (the console draws the last hour).
SERIES_KEEP_SECONDS = 2 * 3600


def _minute(at: float) -> int:
    return int(at // 60)


class EventStream:
    """Keys of one workspace: the stream, its backlog counter, counters (in total and per
    minute) and dead letters."""

    GROUP = "resolvers"

    def __init__(
        self,
        redis: Redis,
        ws: str,
        dedup_seconds: int,
        seal: StreamSeal,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.redis = redis
        self.clock = clock
        self.ws = ws
        self.seal = seal
        self.dedup_seconds = dedup_seconds
        self.keys = WorkspaceKeys(ws)
        self.stream = self.keys.events
        self.backlog = self.keys.backlog
        self.counters = self.keys.counters
        self.dead = self.keys.dead_letters
        self.failures = self.keys.failures
        self.dedup_prefix = self.keys.dedup_prefix
        self._accept = redis.register_script(ACCEPT)
        self._ack = redis.register_script(ACK)
        self._rewrite = redis.register_script(REWRITE)

    async def accept(
        self, source: str, messages: Sequence[tuple[str, bytes]], bound: int
    ) -> AcceptOutcome:
        """Append the messages not seen within the window; refuse all past the bound."""
        argv: list[Any] = [bound, self.dedup_seconds, len(messages), source, self.dedup_prefix]
        sealed = await self.seal.seal_many(payload for _, payload in messages)
        for (message_id, _payload), message in zip(messages, sealed, strict=True):
            argv.extend((f"{source}:{message_id}", message))
        argv.append(SERIES_KEEP_SECONDS)
        minute = self.keys.counters_minute(_minute(self.clock()))
        result = await self._accept(
            keys=[self.stream, self.backlog, self.counters, minute], args=argv
        )
        first, second = int(result[0]), int(result[1])
        if first < 0:
            return AcceptOutcome(0, 0, refused_backlog=second)
        return AcceptOutcome(first, second)

    async def ensure_group(self) -> None:
        try:
            await self.redis.xgroup_create(self.stream, self.GROUP, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def _opened(self, messages: Sequence[bytes]) -> tuple[bytes, ...]:
        """The payloads; a message that cannot be opened is kept as it is, so the resolver
        dead-letters it like any undecodable message instead of stopping."""
        try:
            return tuple(self.seal.open_many(messages))
        except DecryptionError:
            out: list[bytes] = []
            for message in messages:
                try:
                    out.extend(self.seal.open_many([message]))
                except DecryptionError:
                    out.append(message)
            return tuple(out)

    def _entries(self, raw: Any) -> list[StreamEntry]:
        """The entries of a read, their messages opened in one pass (one key-store lookup
        for the whole read, not one per entry)."""
        rows: list[tuple[str, str, tuple[bytes, ...]]] = []
        for entry_id, fields in raw:
            if fields is None:  # deleted while pending
                continue
            decoded = {k.decode() if isinstance(k, bytes) else k: v for k, v in fields.items()}
            source = decoded.pop("source", b"")
            rows.append(
                (
                    entry_id.decode() if isinstance(entry_id, bytes) else entry_id,
                    source.decode() if isinstance(source, bytes) else source,
                    _messages(decoded),
                )
            )
        opened = iter(self._opened([m for _, _, messages in rows for m in messages]))
        return [
            StreamEntry(entry_id, source, tuple(next(opened) for _ in messages))
            for entry_id, source, messages in rows
        ]

    async def read_new(self, consumer: str, count: int, block_ms: int | None) -> list[StreamEntry]:
        """Entries never delivered to the group; `block_ms` None: only what is there now."""
        reply = await self.redis.xreadgroup(
            self.GROUP, consumer, {self.stream: ">"}, count=count, block=block_ms
        )
        return self._entries(reply[0][1]) if reply else []

    async def read_own_pending(self, consumer: str, count: int) -> list[StreamEntry]:
        """Entries delivered to this consumer name before and never acknowledged."""
        reply = await self.redis.xreadgroup(self.GROUP, consumer, {self.stream: "0"}, count=count)
        return self._entries(reply[0][1]) if reply else []

    async def claim_stale(self, consumer: str, min_idle_ms: int, count: int) -> list[StreamEntry]:
        """Take over entries of a consumer that died (idle longer than min_idle_ms)."""
        reply = await self.redis.xautoclaim(
            self.stream,
            self.GROUP,
            consumer,
            min_idle_time=min_idle_ms,
            start_id="0-0",
            count=count,
        )
        return self._entries(reply[1])

    async def ack(self, entries: Sequence[StreamEntry], messages: int) -> None:
        if entries:
            await self._ack(
                keys=[self.stream, self.backlog],
                args=[self.GROUP, messages, *(e.id for e in entries)],
            )

    async def count(self, field: str, amount: int = 1) -> None:
        await self.count_many({field: amount})

    async def count_many(self, amounts: Mapping[str, int]) -> None:
        """Bump several counters, and the current minute's, in one round trip."""
        minute = self.keys.counters_minute(_minute(self.clock()))
        pipe = self.redis.pipeline(transaction=False)
        for field, amount in amounts.items():
            if amount:
                pipe.hincrby(self.counters, field, amount)
                pipe.hincrby(minute, field, amount)
        if len(pipe):
            pipe.expire(minute, SERIES_KEEP_SECONDS)
            await pipe.execute()

    async def series(self, minutes: int) -> list[tuple[float, dict[str, int]]]:
        """The counters of each of the last `minutes` minutes (at most two hours), oldest
        first, each with its minute's start (epoch seconds); the current minute is the last."""
        last = _minute(self.clock())
        first = last - max(1, min(minutes, SERIES_KEEP_SECONDS // 60)) + 1
        pipe = self.redis.pipeline(transaction=False)
        for minute in range(first, last + 1):
            pipe.hgetall(self.keys.counters_minute(minute))
        replies = await pipe.execute()
        return [
            (minute * 60.0, {k.decode(): int(v) for k, v in raw.items()})
            for minute, raw in zip(range(first, last + 1), replies, strict=True)
        ]

    async def failure_count(self, entry_id: str) -> int:
        return int(await self.redis.hincrby(self.failures, entry_id, 1))  # type: ignore[misc]

    async def forget_failures(self, entry_ids: Sequence[str]) -> None:
        if entry_ids:
            await self.redis.hdel(self.failures, *entry_ids)  # type: ignore[misc]

    async def dead_letter(self, source: str, payload: bytes, reason: str) -> None:
        (sealed,) = await self.seal.seal_many([payload])
        await self.redis.xadd(self.dead, {"source": source, "message": sealed, "reason": reason})
        await self.count("dead_lettered")

    async def dead_letters(self, count: int) -> list[DeadLetterRow]:
        """(id, source, message JSON, reason), oldest first."""
        return await self.dead_letters_after("", count)

    async def entries_after(self, after: str, count: int) -> list[StreamEntry]:
        """Entries waiting in the stream (pending or not), oldest first, after an id."""
        start = f"({after}" if after else "-"
        return self._entries(await self.redis.xrange(self.stream, min=start, count=count))

    async def drop_messages(self, entry: StreamEntry, drop: set[int]) -> int:
        """Remove some messages (by position) from a waiting entry; returns how many went."""
        keep = [m for i, m in enumerate(entry.messages) if i not in drop]
        fields: list[Any] = []
        if keep:
            sealed = await self.seal.seal_many(keep)
            fields = ["source", entry.source, "n", len(keep), "m", joined(sealed)]
        removed = len(entry.messages) - len(keep)
        result = await self._rewrite(
            keys=[self.stream, self.backlog], args=[entry.id, self.GROUP, removed, *fields]
        )
        return int(result)

    async def dead_letters_after(self, after: str, count: int) -> list[DeadLetterRow]:
        start = f"({after}" if after else "-"
        rows = await self.redis.xrange(self.dead, min=start, count=count)
        opened = self._opened([f[b"message"] for _, f in rows])
        return [
            (i.decode(), f[b"source"].decode(), message, f[b"reason"].decode())
            for (i, f), message in zip(rows, opened, strict=True)
        ]

    async def oldest_sealed_period(self) -> int | None:
        """The oldest stream-key period a waiting entry or dead letter may use (None when
        nothing waits). Entries are in the order of their appends, and two processes may
        append in the other order from the one they sealed in around a period's end, so the
        period before the oldest entry's is kept too."""
        periods: list[int] = []
        first = await self.redis.xrange(self.stream, min="-", max="+", count=1)
        if first:
            entry_id, fields = first[0]
            millis = int(entry_id.decode().split("-")[0])
            periods.append(self.seal.period_at(millis / 1000) - 1)
            decoded = {k.decode() if isinstance(k, bytes) else k: v for k, v in fields.items()}
            for message in _messages(decoded)[:1]:
                sealed_in = self.seal.period_of(message)
                if sealed_in is not None:
                    periods.append(sealed_in - 1)
        # Dead letters are appended and sealed as they come: the oldest has the oldest period.
        oldest_letter = await self.redis.xrange(self.dead, min="-", max="+", count=1)
        if oldest_letter:
            sealed_in = self.seal.period_of(oldest_letter[0][1].get(b"message", b""))
            if sealed_in is not None:
                periods.append(sealed_in)
        return min(periods) if periods else None

    async def destroy_spent_keys(self) -> int:
        """Destroy the stream keys nothing waiting was sealed under; returns how many."""
        return await self.seal.destroy_spent(await self.oldest_sealed_period())

    async def purge_mentions(self, needles: Sequence[str]) -> int:
        """Delete entries of the workspace's change feed, segment event stream and destination
        outboxes and dead letters that mention any of the given ids or keys (an erased
        subject's); returns how many went."""
        if not needles:
            return 0
        wanted = [n.encode() for n in needles]
        removed = 0
        keys = list(self.keys.streams_naming_people)
        async for found in self.redis.scan_iter(match=self.keys.destination_pattern):
            name = found.decode() if isinstance(found, bytes) else str(found)
            if name.endswith((":outbox", ":dead")):
                keys.append(name)
        for key in keys:
            start = "-"
            while True:
                rows = await self.redis.xrange(key, min=start, count=500)
                if not rows:
                    break
                start = "(" + rows[-1][0].decode()
                doomed = [
                    entry_id
                    for entry_id, fields in rows
                    if any(w in value for value in fields.values() for w in wanted)
                ]
                if doomed:
                    removed += int(await self.redis.xdel(key, *doomed))
        return removed

    async def compact_log(self) -> bool:
        """Ask Valkey to rewrite its append-only file, so deleted entries leave it too."""
        try:
            await self.redis.execute_command("BGREWRITEAOF")  # type: ignore[no-untyped-call]
        except ResponseError:
            return False  # a rewrite is already running, or persistence is off
        return True

    async def remove_dead_letter(self, entry_id: str) -> None:
        await self.redis.xdel(self.dead, entry_id)

    async def stats(self) -> dict[str, int]:
        raw = await self.redis.hgetall(self.counters)  # type: ignore[misc]
        counters = {k.decode(): int(v) for k, v in raw.items()}
        backlog = int(await self.redis.get(self.backlog) or 0)
        dead = int(await self.redis.xlen(self.dead))
        return {**counters, "pending": backlog, "dead_letters_waiting": dead}
