"""Profiles, their events and identity graphs in memory, for browsing (the port:
app/ports/browsing.py)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.ports.browsing import (
    EventFilter,
    EventRow,
    GraphNodeView,
    Neighbourhood,
    ProfileQuery,
)
from app.ports.profiles import ProfileView


@dataclass
class BrowsedProfile:
    view: ProfileView
    #: Golden plain values as stored (field -> value).
    plain: dict[str, Any] = field(default_factory=dict)
    identifier_types: set[str] = field(default_factory=set)
    segments: set[str] = field(default_factory=set)
    tags: list[str] = field(default_factory=list)
    events: list[EventRow] = field(default_factory=list)


@dataclass(frozen=True)
class Surroundings:
    """A profile's identity graph: its own identifiers at 0 hops, others at 1 to 3."""

    graph: Neighbourhood
    hops: Mapping[str, int]


class InMemoryProfileBrowseStore:
    def __init__(self) -> None:
        self.profiles: dict[str, BrowsedProfile] = {}
        self.graphs: dict[str, Surroundings] = {}

    def add(
        self,
        profile_id: str,
        at: float,
        *,
        plain: Mapping[str, Any] | None = None,
        identifier_types: Iterable[str] = (),
        segments: Iterable[str] = (),
        tags: Sequence[str] = (),
        merged_into: str | None = None,
    ) -> BrowsedProfile:
        status = "merged" if merged_into else "active"
        found = BrowsedProfile(
            ProfileView(profile_id, status, merged_into, at, at, 1),
            dict(plain or {}),
            set(identifier_types),
            set(segments),
            list(tags),
        )
        self.profiles[profile_id] = found
        return found

    def add_event(self, profile_id: str, event: EventRow) -> None:
        self.profiles[profile_id].events.append(event)

    def set_graph(self, profile_id: str, graph: Neighbourhood, hops: Mapping[str, int]) -> None:
        self.graphs[profile_id] = Surroundings(graph, hops)

    def _matching(self, q: ProfileQuery) -> list[ProfileView]:
        found = [p.view for p in self.profiles.values() if _matches(p, q)]
        return sorted(found, key=lambda v: v.id)

    async def profiles_page(self, after: str, limit: int, query: ProfileQuery) -> list[ProfileView]:
        return [v for v in self._matching(query) if v.id > after][:limit]

    async def count_profiles(self, query: ProfileQuery) -> int:
        return len(self._matching(query))

    async def event_counts(self, profile_ids: Sequence[str]) -> dict[str, int]:
        return {
            pid: len(self.profiles[pid].events) for pid in set(profile_ids) if pid in self.profiles
        }

    def _events(self, profile_id: str, f: EventFilter) -> list[EventRow]:
        p = self.profiles.get(profile_id)
        found = [
            e
            for e in (p.events if p else [])
            if (f.name is None or e.name == f.name)
            and (f.since is None or e.at >= f.since)
            and (f.until is None or e.at < f.until)
        ]
        return sorted(found, key=lambda e: (-e.at, e.id))

    async def events_page(
        self, profile_id: str, f: EventFilter, after: tuple[float, str] | None, limit: int
    ) -> list[EventRow]:
        found = self._events(profile_id, f)
        if after is not None:
            found = [e for e in found if e.at < after[0] or (e.at == after[0] and e.id > after[1])]
        return found[:limit]

    async def count_events(self, profile_id: str, f: EventFilter) -> int:
        return len(self._events(profile_id, f))

    async def tags(self, profile_id: str) -> list[str]:
        p = self.profiles.get(profile_id)
        return list(p.tags) if p else []

    async def identity_graph(
        self, profile_id: str, depth: int, max_nodes: int
    ) -> Neighbourhood | None:
        p = self.profiles.get(profile_id)
        if p is None:
            return None
        found = self.graphs.get(p.view.merged_into or profile_id)
        if found is None:
            return None
        nodes: tuple[GraphNodeView, ...] = tuple(
            n for n in found.graph.nodes if found.hops.get(n.key, 0) <= depth
        )[:max_nodes]
        kept = {n.key for n in nodes}
        edges = tuple(e for e in found.graph.edges if e.source in kept and e.target in kept)
        return Neighbourhood(found.graph.profile, nodes, edges)


def _matches(p: BrowsedProfile, q: ProfileQuery) -> bool:
    """As the graph compares: a missing value (null) equals nothing."""
    trait_ok = q.trait is None or (q.trait[1] is not None and p.plain.get(q.trait[0]) == q.trait[1])
    return (
        p.view.status == "active"
        and trait_ok
        and (q.updated_since is None or p.view.updated_at >= q.updated_since)
        and (q.identifier_type is None or q.identifier_type in p.identifier_types)
        and (q.segment is None or q.segment in p.segments)
    )
