"""Profile change notices over Valkey pub/sub, for `profileUpdated` subscribers.

A notice says which profile changed and how: `merged` (others were merged into it),
`merged_into` (it was merged into another), `split` (identifiers left it for new profiles),
`created`, `identifiers` (identifiers moved in or out), `traits` (fields whose golden value
changed, in `related`), `consent`, `segment_entered`, `segment_left`, `erased`. Notices carry ids
only. Pub/sub is best effort by design: a subscriber that is not connected misses notices and
re-reads the profile when it comes back.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass, field

from redis.asyncio import Redis
from redis.exceptions import RedisError

from app.adapters.valkey.keys import WorkspaceKeys
from app.domain.identity import Merge, Split
from app.services.changes.feed import decode_broadcast, encode_broadcast, encode_entry

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProfileNotice:
    profile_id: str
    kind: str
    related: tuple[str, ...] = ()
    at: float = field(default_factory=time.time)


def lineage_notices(
    merges: Iterable[Merge],
    splits: Iterable[Split],
    changed: Iterable[str] = (),
    traits: Mapping[str, Iterable[str]] | None = None,
    created: Iterable[str] = (),
) -> list[ProfileNotice]:
    """Notices for what a recomputation decided: lineage, `created` profiles, `identifiers`
    for other `changed` profiles (identifiers moved in or out), and `traits` with the names
    of the fields whose golden value changed."""
    notices: list[ProfileNotice] = []
    into: dict[str, list[str]] = {}
    for m in merges:
        into.setdefault(m.into_id, []).append(m.from_id)
        notices.append(ProfileNotice(m.from_id, "merged_into", (m.into_id,)))
    notices += [ProfileNotice(k, "merged", tuple(sorted(v))) for k, v in sorted(into.items())]
    out: dict[str, list[str]] = {}
    for s in splits:
        out.setdefault(s.from_id, []).append(s.new_id)
        notices.append(ProfileNotice(s.new_id, "created", (s.from_id,)))
    notices += [ProfileNotice(k, "split", tuple(sorted(v))) for k, v in sorted(out.items())]
    noted = {n.profile_id for n in notices}
    notices += [ProfileNotice(pid, "created") for pid in sorted(set(created) - noted)]
    noted |= set(created)
    notices += [ProfileNotice(pid, "identifiers") for pid in sorted(set(changed) - noted)]
    for pid, fields in sorted((traits or {}).items()):
        notices.append(ProfileNotice(pid, "traits", tuple(sorted(fields))))
    return notices


class ProfileNotifier:
    """Publishes notices to subscribers (pub/sub) and to the change feed (a stream that the
    segment engine consumes with a consumer group, so it misses nothing while it runs)."""

    FEED_LENGTH = 100_000

    def __init__(self, redis: Redis, ws: str) -> None:
        self.redis = redis
        keys = WorkspaceKeys(ws)
        self.channel = keys.profile_notices
        self.feed = keys.changes

    async def publish(
        self, notices: Iterable[ProfileNotice], events: Iterable[tuple[str, str | None]] = ()
    ) -> None:
        """Best effort: a lost notice never fails the change it describes. `events` are
        (owner identifier key, event name) of newly stored events, for the change feed."""
        batch = list(notices)
        stored = list(events)
        if not batch and not stored:
            return
        try:
            pipe = self.redis.pipeline(transaction=False)
            if batch:
                # One message per batch: subscribers pick their profile's notices out of it.
                pipe.publish(
                    self.channel,
                    encode_broadcast((n.profile_id, n.kind, n.related, n.at) for n in batch),
                )
            entry = encode_entry(((n.profile_id, n.kind, n.related) for n in batch), stored)
            pipe.xadd(self.feed, entry, maxlen=self.FEED_LENGTH, approximate=True)  # type: ignore[arg-type]
            await pipe.execute()
        except RedisError as exc:
            log.warning("profile notices not published: %s", type(exc).__name__)

    async def listen(self, profile_id: str) -> AsyncIterator[ProfileNotice]:
        """Notices about one profile, as they come, until the caller stops iterating."""
        pubsub = self.redis.pubsub()
        await pubsub.subscribe(self.channel)
        try:
            while True:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                if message is None or message.get("type") != "message":
                    continue
                for pid, kind, related, at in decode_broadcast(message["data"]):
                    if pid == profile_id:
                        yield ProfileNotice(pid, kind, related, at)
        finally:
            await pubsub.unsubscribe(self.channel)
            await pubsub.aclose()  # type: ignore[no-untyped-call]
