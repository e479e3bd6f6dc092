"""The identity graph as clustering sees it: identifiers (nodes), evidence edges between
them, and what a clustering decided (clusters, refusals, evictions)."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

BLOCKED = "blocked"
GENERIC = "generic"
LATE_BINDING_PENDING = "late_binding_pending"
NEVER = "never"
TOTAL_CAP = "total_cap"
TYPE_CAP = "type_cap"  # reported as "type_cap:<type>"
REASSIGNED = "reassigned"


@dataclass(frozen=True, order=True)
class Node:
    """An identifier as clustering sees it: an opaque unique key plus what the rules need."""

    key: str
    type: str
    first_seen: float
    blocked: bool = False
    #: Known to be generic from the whole graph (the caller may load only part of its edges).
    generic: bool = False

    def __post_init__(self) -> None:
        if not math.isfinite(self.first_seen):
            raise ValueError(f"node {self.key!r}: first_seen must be finite")


@dataclass(frozen=True)
class Evidence:
    """An undirected evidence edge, one row per (pair, rule); ``at`` is its earliest time,
    ``last`` its latest (None: only ``at`` is known).

    The endpoints are stored in sorted order so that (a, b) and (b, a) are the same row.
    """

    a: str
    b: str
    rule: str
    weight: float
    at: float
    count: int = 1
    last: float | None = field(default=None, compare=False)

    @property
    def seen_last(self) -> float:
        return self.at if self.last is None else max(self.at, self.last)

    def __post_init__(self) -> None:
        if self.a == self.b:
            raise ValueError(f"evidence links {self.a!r} to itself")
        if not (math.isfinite(self.weight) and math.isfinite(self.at)):
            raise ValueError("evidence weight and time must be finite")
        if self.count < 1:
            raise ValueError("evidence count must be >= 1")
        if self.b < self.a:
            a, b = self.b, self.a
            object.__setattr__(self, "a", a)
            object.__setattr__(self, "b", b)

    @property
    def sort_key(self) -> tuple[float, float, str, str, str, int]:
        """The canonical order: strongest first, then oldest, then keys, then rule."""
        return (-self.weight, self.at, self.a, self.b, self.rule, self.count)


@dataclass(frozen=True, order=True)
class Refusal:
    """An evidence edge kept as evidence but not followed, and why."""

    a: str
    b: str
    rule: str
    reason: str


@dataclass(frozen=True, order=True)
class Eviction:
    """An identifier pushed out of its cluster to keep the cluster under the total cap."""

    key: str
    reason: str = TOTAL_CAP


@dataclass(frozen=True)
class Clustering:
    """The partition plus everything needed to explain it."""

    clusters: tuple[frozenset[str], ...]
    cluster_of: Mapping[str, int]
    generic: frozenset[str]
    refused: tuple[Refusal, ...]
    evicted: tuple[Eviction, ...]
    accepted: tuple[Evidence, ...]


def aggregate(evidence: Iterable[Evidence]) -> tuple[Evidence, ...]:
    """Merge rows with the same (pair, rule): max weight, min time, summed count.

    Counts are summed, so the caller must not feed the same event twice: the app dedups
    events by id before counting, so a replayed event does not increase a count.
    """
    merged: dict[tuple[str, str, str], Evidence] = {}
    for e in evidence:
        k = (e.a, e.b, e.rule)
        old = merged.get(k)
        if old is not None:
            e = Evidence(
                e.a,
                e.b,
                e.rule,
                max(e.weight, old.weight),
                min(e.at, old.at),
                e.count + old.count,
                max(e.seen_last, old.seen_last),
            )
        merged[k] = e
    return tuple(sorted(merged.values(), key=lambda e: e.sort_key))


def component_keys(start: Iterable[str], evidence: Iterable[Evidence]) -> frozenset[str]:
    """The keys connected to ``start`` over all evidence: what to reload to recompute."""
    adj: dict[str, set[str]] = {}
    for e in evidence:
        adj.setdefault(e.a, set()).add(e.b)
        adj.setdefault(e.b, set()).add(e.a)
    return frozenset(hops(adj, start))


def hops(adj: Mapping[str, set[str]], start: Iterable[str]) -> dict[str, int]:
    """Breadth-first hop counts from ``start`` over ``adj``."""
    dist = dict.fromkeys(start, 0)
    queue = deque(dist)
    while queue:
        k = queue.popleft()
        for n in adj.get(k, ()):
            if n not in dist:
                dist[n] = dist[k] + 1
                queue.append(n)
    return dist
