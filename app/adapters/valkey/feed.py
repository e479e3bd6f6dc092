"""The wire format of the change feed, its broadcasts and the segment event stream.

A change feed entry is one published batch, its field `c` a JSON object: `n`, the notices as
`[profile id, kind, related ids]`, and `e`, the events stored as `[owner identifier key,
event name]` (ids and names only, never a value). Subscribers of `profileUpdated` get the
notices over pub/sub as `[profile id, kind, related ids, at]`. A segment event is one entry
with the fields `profile`, `segment`, `change` (`entered` or `left`) and `at`.

Everything here stays in clear: an erasure finds its subject's mentions by their ids
(`EventStream.purge_mentions`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import orjson

from app.ports.changes import FeedEntry, FeedNotice, ProfileNotice
from app.ports.segments import MembershipChange

FIELD = b"c"


def encode_entry(
    notices: Iterable[ProfileNotice], events: Iterable[tuple[str, str | None]]
) -> dict[str, bytes]:
    """The stream entry's fields."""
    body = {
        "n": [[n.profile_id, n.kind, list(n.related)] for n in notices],
        "e": [[key, name] for key, name in events],
    }
    return {FIELD.decode(): orjson.dumps(body)}


def decode_entry(entry_id: str, fields: Mapping[bytes, Any] | None) -> FeedEntry:
    """The entry's notices and events; an entry without the field (an emptied one) has none."""
    raw = (fields or {}).get(FIELD)
    if raw is None:
        return FeedEntry(entry_id)
    data = orjson.loads(raw)
    notices = tuple(
        FeedNotice(n[0], n[1], tuple(n[2]) if len(n) > 2 else ()) for n in data.get("n", [])
    )
    events = tuple((str(key), name or "") for key, name in data.get("e", []))
    return FeedEntry(entry_id, notices, events)


def encode_broadcast(notices: Iterable[ProfileNotice]) -> bytes:
    """One pub/sub message for a batch of notices: subscribers pick their profile's."""
    return orjson.dumps([[n.profile_id, n.kind, list(n.related), n.at] for n in notices])


def decode_broadcast(data: bytes) -> list[ProfileNotice]:
    return [
        ProfileNotice(pid, kind, tuple(related), at)
        for pid, kind, related, at in orjson.loads(data)
    ]


def encode_membership(change: MembershipChange) -> dict[str, str]:
    """A segment event's fields."""
    return {
        "profile": change.profile_id,
        "segment": change.segment,
        "change": "entered" if change.entered else "left",
        "at": repr(change.at),
    }
