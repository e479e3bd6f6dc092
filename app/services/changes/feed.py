"""The change feed's wire format, written by `ProfileNotifier` and read by `ChangeDispatcher`.

One stream entry per published batch, its field `c` a JSON object: `n`, the notices as
`[profile id, kind, related ids]`, and `e`, the events stored as `[owner identifier key,
event name]` (ids and names only, never a value). Subscribers of `profileUpdated` get the
notices over pub/sub as `[profile id, kind, related ids, at]`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

FIELD = b"c"


@dataclass(frozen=True)
class FeedNotice:
    profile_id: str
    kind: str
    related: tuple[str, ...] = ()


@dataclass(frozen=True)
class FeedEntry:
    notices: tuple[FeedNotice, ...]
    #: (owner identifier key, event name) of newly stored events
    events: tuple[tuple[str, str], ...]


def encode_entry(
    notices: Iterable[tuple[str, str, Sequence[str]]], events: Iterable[tuple[str, str | None]]
) -> dict[str, bytes]:
    """The stream entry's fields."""
    body = {
        "n": [[pid, kind, list(related)] for pid, kind, related in notices],
        "e": [[key, name] for key, name in events],
    }
    return {FIELD.decode(): orjson.dumps(body)}


def decode_entry(fields: Mapping[bytes, Any]) -> FeedEntry | None:
    """The entry's notices and events; None for an entry without the field (an emptied one)."""
    raw = fields.get(FIELD)
    if raw is None:
        return None
    data = orjson.loads(raw)
    notices = tuple(
        FeedNotice(n[0], n[1], tuple(n[2]) if len(n) > 2 else ()) for n in data.get("n", [])
    )
    events = tuple((str(key), name or "") for key, name in data.get("e", []))
    return FeedEntry(notices, events)


def encode_broadcast(notices: Iterable[tuple[str, str, Sequence[str], float]]) -> bytes:
    """One pub/sub message for a batch of notices: subscribers pick their profile's."""
    return orjson.dumps([[pid, kind, list(related), at] for pid, kind, related, at in notices])


def decode_broadcast(data: bytes) -> list[tuple[str, str, tuple[str, ...], float]]:
    return [(pid, kind, tuple(related), at) for pid, kind, related, at in orjson.loads(data)]
