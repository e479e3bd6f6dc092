"""The event stream in Valkey: atomic acceptance, consumer-group reads, acks, dead letters.

Acceptance is one Lua script: it refuses when the backlog passes its bound, de-duplicates each
message on (source, messageId) for a bounded window, and appends the survivors as one stream
entry, all or nothing. Valkey runs scripts atomically, so a crash leaves either the whole
entry or nothing, and the answer to the tracker is given only after the script returned.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from redis.asyncio import Redis
from redis.exceptions import ResponseError

ACCEPT = """
local backlog = tonumber(redis.call('GET', KEYS[2]) or '0')
local n = tonumber(ARGV[3])
if backlog + n > tonumber(ARGV[1]) then
  return {-1, backlog}
end
local fields = {'source', ARGV[4]}
local accepted = 0
for i = 1, n do
  local dedup = ARGV[5] .. ARGV[4 + 2 * i]
  if redis.call('SET', dedup, '1', 'NX', 'EX', tonumber(ARGV[2])) then
    accepted = accepted + 1
    table.insert(fields, 'm' .. accepted)
    table.insert(fields, ARGV[5 + 2 * i])
  end
end
if accepted > 0 then
  redis.call('XADD', KEYS[1], '*', unpack(fields))
  redis.call('INCRBY', KEYS[2], accepted)
  redis.call('HINCRBY', KEYS[3], 'accepted', accepted)
end
return {accepted, n - accepted}
"""

ACK = """
local n = tonumber(ARGV[2])
for i = 3, #ARGV do
  redis.call('XACK', KEYS[1], ARGV[1], ARGV[i])
  redis.call('XDEL', KEYS[1], ARGV[i])
end
redis.call('DECRBY', KEYS[2], n)
if tonumber(redis.call('GET', KEYS[2]) or '0') < 0 then redis.call('SET', KEYS[2], 0) end
return n
"""


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


class EventStream:
    """Keys of one workspace: the stream, its backlog counter, counters and dead letters."""

    GROUP = "resolvers"

    def __init__(self, redis: Redis, ws: str, dedup_seconds: int) -> None:
        self.redis = redis
        self.ws = ws
        self.dedup_seconds = dedup_seconds
        prefix = f"cdp:{ws}"
        self.stream = f"{prefix}:events"
        self.backlog = f"{prefix}:backlog"
        self.counters = f"{prefix}:counters"
        self.dead = f"{prefix}:deadletters"
        self.failures = f"{prefix}:failures"
        self.dedup_prefix = f"{prefix}:dedup:"
        self._accept = redis.register_script(ACCEPT)
        self._ack = redis.register_script(ACK)

    async def accept(
        self, source: str, messages: Sequence[tuple[str, bytes]], bound: int
    ) -> AcceptOutcome:
        """Append the messages not seen within the window; refuse all past the bound."""
        argv: list[Any] = [bound, self.dedup_seconds, len(messages), source, self.dedup_prefix]
        for message_id, payload in messages:
            argv.extend((f"{source}:{message_id}", payload))
        result = await self._accept(keys=[self.stream, self.backlog, self.counters], args=argv)
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

    @staticmethod
    def _entries(raw: Any) -> list[StreamEntry]:
        entries: list[StreamEntry] = []
        for entry_id, fields in raw:
            if fields is None:  # deleted while pending
                continue
            decoded = {k.decode() if isinstance(k, bytes) else k: v for k, v in fields.items()}
            source = decoded.pop("source", b"")
            messages = tuple(
                cast(bytes, decoded[k]) for k in sorted(decoded, key=lambda k: int(k[1:]))
            )
            entry_id = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
            entries.append(
                StreamEntry(
                    entry_id, source.decode() if isinstance(source, bytes) else source, messages
                )
            )
        return entries

    async def read_new(self, consumer: str, count: int, block_ms: int) -> list[StreamEntry]:
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
        """Bump several counters in one round trip."""
        pipe = self.redis.pipeline(transaction=False)
        for field, amount in amounts.items():
            if amount:
                pipe.hincrby(self.counters, field, amount)
        await pipe.execute()

    async def failure_count(self, entry_id: str) -> int:
        return int(await self.redis.hincrby(self.failures, entry_id, 1))  # type: ignore[misc]

    async def forget_failures(self, entry_ids: Sequence[str]) -> None:
        if entry_ids:
            await self.redis.hdel(self.failures, *entry_ids)  # type: ignore[misc]

    async def dead_letter(self, source: str, payload: bytes, reason: str) -> None:
        await self.redis.xadd(self.dead, {"source": source, "message": payload, "reason": reason})
        await self.count("dead_lettered")

    async def dead_letters(self, count: int) -> list[tuple[str, str, bytes, str]]:
        """(id, source, message JSON, reason), oldest first."""
        rows = await self.redis.xrange(self.dead, count=count)
        out = []
        for entry_id, fields in rows:
            out.append(
                (
                    entry_id.decode(),
                    fields[b"source"].decode(),
                    fields[b"message"],
                    fields[b"reason"].decode(),
                )
            )
        return out

    async def remove_dead_letter(self, entry_id: str) -> None:
        await self.redis.xdel(self.dead, entry_id)

    async def stats(self) -> dict[str, int]:
        raw = await self.redis.hgetall(self.counters)  # type: ignore[misc]
        counters = {k.decode(): int(v) for k, v in raw.items()}
        backlog = int(await self.redis.get(self.backlog) or 0)
        dead = int(await self.redis.xlen(self.dead))
        return {**counters, "pending": backlog, "dead_letters_waiting": dead}
