"""Destination outboxes in Valkey: per destination a stream of items (`outbox`), a stream of
dead letters (`dead`) and a hash of counters (`stats`), named by `WorkspaceKeys.destination`.

An entry holds its item as JSON in one field, `i`; a dead letter adds `reason` and, for a
refusal, `detail`. Removing a batch and counting it is one MULTI/EXEC, so a crash never
counts a batch without removing it, nor the other way round.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from redis.asyncio import Redis
from redis.typing import EncodableT, FieldT

from app.adapters.valkey.keys import WorkspaceKeys
from app.ports.destinations import DeadLetter, OutboxEntry


def _text(raw: bytes | str) -> str:
    return raw.decode() if isinstance(raw, bytes) else raw


class ValkeyOutbox:
    def __init__(self, redis: Redis, ws: str) -> None:
        self.redis = redis
        self.keys = WorkspaceKeys(ws)

    def _key(self, name: str, part: str) -> str:
        return self.keys.destination(name, part)

    async def append(self, name: str, items: Sequence[Mapping[str, Any]]) -> int:
        if not items:
            return 0
        pipe = self.redis.pipeline(transaction=False)
        for item in items:
            pipe.xadd(self._key(name, "outbox"), {"i": orjson.dumps(item)})
        await pipe.execute()
        return len(items)

    async def head(self, name: str, count: int) -> list[OutboxEntry]:
        entries = await self.redis.xrange(self._key(name, "outbox"), count=count)
        return [OutboxEntry(_text(i), orjson.loads(fields[b"i"])) for i, fields in entries]

    async def delivered(
        self, name: str, entries: Sequence[OutboxEntry], delivered: int, skipped: int
    ) -> None:
        stats = self._key(name, "stats")
        pipe = self.redis.pipeline(transaction=True)
        if entries:
            pipe.xdel(self._key(name, "outbox"), *[e.id for e in entries])
        pipe.hset(stats, "attempt", "0")
        pipe.hincrby(stats, "delivered", delivered)
        pipe.hincrby(stats, "skipped_no_consent", skipped)
        await pipe.execute()

    async def failed(self, name: str) -> int:
        stats = self._key(name, "stats")
        pipe = self.redis.pipeline(transaction=True)
        pipe.hincrby(stats, "failed_attempts", 1)
        pipe.hincrby(stats, "attempt", 1)
        _, attempt = await pipe.execute()
        return int(attempt)

    async def dead_letter(
        self,
        name: str,
        entries: Sequence[OutboxEntry],
        reason: str,
        detail: str | None = None,
        *,
        refused: bool = False,
    ) -> None:
        stats = self._key(name, "stats")
        pipe = self.redis.pipeline(transaction=True)
        for entry in entries:
            letter: dict[FieldT, EncodableT] = {"i": orjson.dumps(entry.item), "reason": reason}
            if detail is not None:
                letter["detail"] = detail
            pipe.xadd(self._key(name, "dead"), letter)
        if entries:
            pipe.xdel(self._key(name, "outbox"), *[e.id for e in entries])
        pipe.hset(stats, "attempt", "0")
        pipe.hincrby(stats, "dead_lettered", len(entries))
        if refused:
            pipe.hincrby(stats, "refused", len(entries))
        await pipe.execute()

    async def dead_letters(self, name: str) -> list[DeadLetter]:
        entries = await self.redis.xrange(self._key(name, "dead"))
        return [
            DeadLetter(
                orjson.loads(fields[b"i"]),
                fields[b"reason"].decode(),
                fields[b"detail"].decode() if b"detail" in fields else None,
            )
            for _, fields in entries
        ]

    async def replay(self, name: str) -> int:
        dead = self._key(name, "dead")
        entries = await self.redis.xrange(dead)
        if not entries:
            return 0
        pipe = self.redis.pipeline(transaction=True)
        for _, fields in entries:
            pipe.xadd(self._key(name, "outbox"), {"i": fields[b"i"]})
        pipe.xdel(dead, *[entry_id for entry_id, _ in entries])
        await pipe.execute()
        return len(entries)

    async def stats(self, name: str) -> dict[str, int]:
        raw = await self.redis.hgetall(self._key(name, "stats"))  # type: ignore[misc]
        counts = {_text(k): int(v) for k, v in raw.items()}
        counts["waiting"] = int(await self.redis.xlen(self._key(name, "outbox")))
        counts["dead_letters"] = int(await self.redis.xlen(self._key(name, "dead")))
        return counts
