"""Profiles in memory and compiled segment conditions evaluated over them, with the store's
three-valued logic (the port: app/ports/segment_predicates.py).

A comparison with a trait the profile lacks (or of values that cannot be compared) is unknown
(None); `all`, `any` and `not` combine unknowns as Cypher does, and only True makes a member.
"""

from __future__ import annotations

import operator
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from app.ports.segment_predicates import (
    AllTests,
    AnyTests,
    ConsentTest,
    EventTest,
    IdentifierTest,
    MemberTest,
    NotTest,
    Predicate,
    TagTest,
    TraitTest,
)

ZONES = zoneinfo.available_timezones()
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "neq": operator.ne,
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
    "in": lambda value, values: value in values,
}


@dataclass(frozen=True)
class FakeConsent:
    purpose: str
    granted: bool
    at: float
    expires_at: float | None = None


@dataclass
class FakeProfile:
    """What conditions read of a profile: plain traits by schema name (as stored), identifier
    types, tags, events (name, time) and consent decisions."""

    id: str
    status: str = "active"
    traits: dict[str, Any] = field(default_factory=dict)
    identifiers: set[str] = field(default_factory=set)
    tags: list[str] = field(default_factory=list)
    events: list[tuple[str, float]] = field(default_factory=list)
    consents: list[FakeConsent] = field(default_factory=list)


def meets(p: Predicate, profile: FakeProfile, segments: set[str], now: float) -> bool | None:
    """Whether the profile (a member of `segments`) meets the condition: None when unknown."""
    if isinstance(p, AllTests):
        parts = [meets(item, profile, segments, now) for item in p.items]
        return False if False in parts else (None if None in parts else True)
    if isinstance(p, AnyTests):
        parts = [meets(item, profile, segments, now) for item in p.items]
        return True if True in parts else (None if None in parts else False)
    if isinstance(p, NotTest):
        inner = meets(p.item, profile, segments, now)
        return None if inner is None else not inner
    if isinstance(p, TraitTest):
        return _trait(p, profile.traits.get(p.trait))
    if isinstance(p, IdentifierTest):
        return p.type in profile.identifiers
    if isinstance(p, EventTest):
        return _events(p, profile, now)
    if isinstance(p, ConsentTest):
        return _consent(p, profile, now)
    if isinstance(p, TagTest):
        return p.tag in profile.tags
    assert isinstance(p, MemberTest)
    return p.segment in segments


def _trait(t: TraitTest, value: Any) -> bool | None:
    if t.op == "exists":
        return value is not None
    if t.op == "missing":
        return value is None
    if t.op == "contains":
        return None if t.value is None else t.value in (value or [])
    if value is None or t.value is None:
        return None
    try:
        return _COMPARE[t.op](value, t.value)
    except TypeError:  # a string against a number: Cypher answers null
        return None


def _events(t: EventTest, profile: FakeProfile, now: float) -> bool:
    since = None if t.days is None else window_start(profile, now, t.days)
    count = sum(
        1 for name, at in profile.events if name == t.name and (since is None or at >= since)
    )
    return count >= t.min_count and (t.max_count is None or count <= t.max_count)


def window_start(profile: FakeProfile, now: float, days: int) -> float:
    """Local midnight `days - 1` calendar days before `now`, in the profile's zone or UTC."""
    name = profile.traits.get("timezone")
    zone = zoneinfo.ZoneInfo(name) if name in ZONES else UTC
    midnight = datetime.fromtimestamp(int(now), zone).replace(hour=0, minute=0, second=0)
    return (midnight - timedelta(days=days - 1)).timestamp()


def _consent(t: ConsentTest, profile: FakeProfile, now: float) -> bool:
    decisions = [c for c in profile.consents if c.purpose == t.purpose]
    if not decisions:
        return t.default
    latest = min(decisions, key=lambda c: (-c.at, c.granted))  # a tie in time: the denial
    return latest.granted and (latest.expires_at is None or latest.expires_at > now)
