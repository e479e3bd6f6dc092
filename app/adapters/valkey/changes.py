"""The change feed and the segment event stream in Valkey (the wire format: `feed.py`).

The feed is the stream `cdp:<ws>:changes`, read by the change dispatchers' consumer group;
notices are also published on the channel `cdp:<ws>:profiles` for `profileUpdated`
subscribers. Pub/sub is best effort by design: a subscriber that is not connected misses
notices and re-reads the profile when it comes back.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Sequence
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

from app.adapters.valkey.feed import (
    decode_broadcast,
    decode_entry,
    encode_broadcast,
    encode_entry,
    encode_membership,
)
from app.adapters.valkey.keys import WorkspaceKeys
from app.ports.changes import FeedEntry, ProfileNotice
from app.ports.segments import MembershipChange

log = logging.getLogger(__name__)
#: The change dispatchers' consumer group.
GROUP = "segments"


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class ValkeyChangeFeed:
    LENGTH = 100_000

    def __init__(self, redis: Redis, ws: str) -> None:
        self.redis = redis
        keys = WorkspaceKeys(ws)
        self.stream = keys.changes
        self.channel = keys.profile_notices

    async def publish(
        self, notices: Sequence[ProfileNotice], events: Sequence[tuple[str, str | None]]
    ) -> None:
        try:
            pipe = self.redis.pipeline(transaction=False)
            if notices:
                # One message per batch: subscribers pick their profile's notices out of it.
                pipe.publish(self.channel, encode_broadcast(notices))
            entry = encode_entry(notices, events)
            pipe.xadd(self.stream, entry, maxlen=self.LENGTH, approximate=True)  # type: ignore[arg-type]
            await pipe.execute()
        except RedisError as exc:
            log.warning("profile notices not published: %s", type(exc).__name__)

    async def listen(self) -> AsyncGenerator[ProfileNotice, None]:
        pubsub = self.redis.pubsub()
        await pubsub.subscribe(self.channel)
        try:
            while True:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                if message is None or message.get("type") != "message":
                    continue
                for notice in decode_broadcast(message["data"]):
                    yield notice
        finally:
            await pubsub.unsubscribe(self.channel)
            await pubsub.aclose()  # type: ignore[no-untyped-call]

    async def ensure_group(self) -> None:
        try:
            await self.redis.xgroup_create(self.stream, GROUP, id="$", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def read_new(self, consumer: str, count: int, block_ms: int | None) -> list[FeedEntry]:
        reply = await self.redis.xreadgroup(
            GROUP, consumer, {self.stream: ">"}, count=count, block=block_ms
        )
        return self._entries(reply)

    async def read_pending(self, consumer: str, count: int) -> list[FeedEntry]:
        reply = await self.redis.xreadgroup(
            GROUP, consumer, {self.stream: "0"}, count=count, block=None
        )
        return self._entries(reply)

    @staticmethod
    def _entries(reply: Any) -> list[FeedEntry]:
        rows: list[tuple[Any, Any]] = reply[0][1] if reply else []
        return [decode_entry(_text(entry_id), fields) for entry_id, fields in rows]

    async def ack(self, ids: Sequence[str]) -> None:
        if not ids:
            return
        pipe = self.redis.pipeline(transaction=False)
        pipe.xack(self.stream, GROUP, *ids)
        pipe.xdel(self.stream, *ids)
        await pipe.execute()


class ValkeySegmentEvents:
    LENGTH = 100_000

    def __init__(self, redis: Redis, ws: str) -> None:
        self.redis = redis
        self.stream = WorkspaceKeys(ws).segment_events

    async def append(self, changes: Sequence[MembershipChange]) -> None:
        if not changes:
            return
        pipe = self.redis.pipeline(transaction=False)
        for change in changes:
            pipe.xadd(
                self.stream,
                encode_membership(change),  # type: ignore[arg-type]
                maxlen=self.LENGTH,
                approximate=True,
            )
        await pipe.execute()
