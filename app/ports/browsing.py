"""What browsing for frontends needs from storage: pages and counts of profiles and of a
profile's events, tags, and the identity graph around a profile."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from app.ports.profiles import ProfileView


@dataclass(frozen=True)
class ProfileQuery:
    """Checked filters of a profile listing: a plain field equal to a value as its golden
    record stores it, an identifier type present, updated since, member of a segment."""

    trait: tuple[str, Any] | None = None  # (plain field, stored value)
    identifier_type: str | None = None
    updated_since: float | None = None
    segment: str | None = None


@dataclass(frozen=True)
class EventFilter:
    name: str | None = None
    since: float | None = None  # inclusive
    until: float | None = None  # exclusive


@dataclass(frozen=True)
class EventRow:
    """An event of a profile, its payload sealed under the data key of `owner`."""

    id: str
    type: str
    name: str | None
    at: float
    received_at: float
    source: str
    flags: tuple[str, ...]
    enc: str
    owner: str
    owner_type: str


@dataclass(frozen=True)
class GraphNodeView:
    key: str
    type: str
    profile: str | None
    generic: bool
    blocked: bool


@dataclass(frozen=True)
class GraphEdgeView:
    source: str
    target: str
    kind: str  # LINKED | NEVER
    rule: str | None
    weight: float | None
    count: int | None
    followed: bool | None
    refusal: str | None


@dataclass(frozen=True)
class Neighbourhood:
    """The active profile a requested id leads to, identifiers around it, and every edge
    among them."""

    profile: str
    nodes: tuple[GraphNodeView, ...]
    edges: tuple[GraphEdgeView, ...]


class ProfileBrowseStore(Protocol):
    async def profiles_page(self, after: str, limit: int, query: ProfileQuery) -> list[ProfileView]:
        """Active profiles with ids above `after`, in id order, at most `limit`."""

    async def count_profiles(self, query: ProfileQuery) -> int:
        """How many active profiles match."""

    async def event_counts(self, profile_ids: Sequence[str]) -> dict[str, int]:
        """Events per profile; unknown profiles left out."""

    async def events_page(
        self, profile_id: str, f: EventFilter, after: tuple[float, str] | None, limit: int
    ) -> list[EventRow]:
        """The profile's events, newest first (equal times by id), after the (at, id) of the
        last one seen, at most `limit`."""

    async def count_events(self, profile_id: str, f: EventFilter) -> int:
        """How many of the profile's events match."""

    async def tags(self, profile_id: str) -> list[str]:
        """The profile's tags (none for an unknown profile)."""

    async def identity_graph(
        self, profile_id: str, depth: int, max_nodes: int
    ) -> Neighbourhood | None:
        """The active profile's identifiers and those up to `depth` evidence hops away (at
        most `max_nodes`), with the edges among them; None for an unknown profile."""
