"""Browsing for frontends: pages of profiles and of a profile's events, and the identity graph
of a profile ready for a graph view. Page sizes are capped; cursors are opaque to callers."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from app.domain.traits import TraitError, TraitSchema, coerce
from app.errors import InvalidInput
from app.ports.browsing import EventFilter as EventFilter
from app.ports.browsing import EventRow, ProfileBrowseStore, ProfileQuery
from app.ports.browsing import GraphEdgeView as GraphEdgeView
from app.ports.browsing import GraphNodeView as GraphNodeView
from app.ports.profiles import ProfileView
from app.privacy import DecryptionError
from app.services.identity.keys import Sealer
from app.services.profiles.service import INTEGRITY_FAILED, KEY_DESTROYED
from app.services.profiles.traits import property_value

#: Most items one page may hold.
MAX_PAGE = 100
#: Most nodes an identity graph answer holds.
MAX_GRAPH_NODES = 500


@dataclass(frozen=True)
class ProfileFilter:
    trait: tuple[str, Any] | None = None  # (plain field, value)
    identifier_type: str | None = None
    updated_since: float | None = None
    segment: str | None = None


@dataclass(frozen=True)
class EventView:
    id: str
    type: str
    name: str | None
    at: float
    received_at: float
    source: str
    flags: tuple[str, ...]
    identifier_type: str
    payload: Any  # decrypted payload, {"unavailable": reason}, or None when not revealed


@dataclass(frozen=True)
class IdentityGraphView:
    profile: str
    nodes: tuple[GraphNodeView, ...]
    edges: tuple[GraphEdgeView, ...]
    truncated: bool


def encode_cursor(*parts: object) -> str:
    return base64.urlsafe_b64encode("\x1f".join(map(str, parts)).encode()).decode()


def decode_cursor(cursor: str | None, size: int) -> list[str] | None:
    if not cursor:
        return None
    try:
        parts = base64.urlsafe_b64decode(cursor.encode()).decode().split("\x1f")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidInput("after: not a cursor this API returned") from None
    if len(parts) != size:
        raise InvalidInput("after: not a cursor this API returned")
    return parts


def page_size(first: int) -> int:
    if not 0 <= first <= MAX_PAGE:
        raise InvalidInput(f"first: between 0 and {MAX_PAGE}")
    return first


class ProfileBrowser:
    def __init__(
        self,
        store: ProfileBrowseStore,
        sealer: Sealer,
        schema: Callable[[], Awaitable[TraitSchema]],
    ) -> None:
        self.store = store
        self.sealer = sealer
        self.schema = schema

    async def _query(self, f: ProfileFilter) -> ProfileQuery:
        """The filter checked: a trait filter names a plain field and a value it accepts."""
        trait: tuple[str, Any] | None = None
        if f.trait is not None:
            name, raw = f.trait
            schema = await self.schema()
            field = schema.classify(name)
            if field is None or field.pii != "plain":
                raise InvalidInput(f"filter.trait: {name[:40]!r} is not a plain (queryable) trait")
            try:
                trait = (field.name, property_value(coerce(field, raw)))
            except TraitError as exc:
                raise InvalidInput(f"filter.trait: {exc}") from None
        return ProfileQuery(trait, f.identifier_type, f.updated_since, f.segment)

    async def profiles(
        self, first: int, after: str | None, f: ProfileFilter
    ) -> tuple[list[tuple[str, ProfileView]], bool]:
        """(cursor, profile) pairs in id order, and whether more follow."""
        limit = page_size(first)
        cursor = decode_cursor(after, 1)
        found = await self.store.profiles_page(
            cursor[0] if cursor else "", limit + 1, await self._query(f)
        )
        return [(encode_cursor(v.id), v) for v in found[:limit]], len(found) > limit

    async def count_profiles(self, f: ProfileFilter) -> int:
        return await self.store.count_profiles(await self._query(f))

    async def event_counts(self, profile_ids: list[str]) -> dict[str, int]:
        counts = await self.store.event_counts(profile_ids)
        return {pid: counts.get(pid, 0) for pid in profile_ids}

    async def events(
        self,
        profile_id: str,
        first: int,
        after: str | None,
        f: EventFilter,
        *,
        reveal: bool,
    ) -> tuple[list[tuple[str, EventView]], bool]:
        """A page of a profile's events, newest first; payloads only when revealed."""
        limit = page_size(first)
        cursor = decode_cursor(after, 2)
        try:
            position = (float(cursor[0]), cursor[1]) if cursor else None
        except ValueError:
            raise InvalidInput("after: not a cursor this API returned") from None
        rows = await self.store.events_page(profile_id, f, position, limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        keys = (
            await self.sealer.data_keys(sorted({r.owner for r in rows}), create=False)
            if reveal
            else {}
        )
        page = [
            (
                encode_cursor(r.at, r.id),
                EventView(
                    id=r.id,
                    type=r.type,
                    name=r.name,
                    at=r.at,
                    received_at=r.received_at,
                    source=r.source,
                    flags=r.flags,
                    identifier_type=r.owner_type,
                    payload=self._open(keys.get(r.owner), r) if reveal else None,
                ),
            )
            for r in rows
        ]
        return page, more

    def _open(self, data_key: bytes | None, row: EventRow) -> Any:
        if data_key is None:
            return {"unavailable": KEY_DESTROYED}
        try:
            return self.sealer.open(data_key, row.enc, owner=row.owner, field=f"event:{row.id}")
        except DecryptionError:
            return {"unavailable": INTEGRITY_FAILED}

    async def tags(self, profile_id: str) -> list[str]:
        return await self.store.tags(profile_id)

    async def count_events(self, profile_id: str, f: EventFilter) -> int:
        return await self.store.count_events(profile_id, f)

    async def identity_graph(self, profile_id: str, depth: int) -> IdentityGraphView | None:
        if not 0 <= depth <= 3:
            raise InvalidInput("depth: between 0 and 3")
        found = await self.store.identity_graph(profile_id, depth, MAX_GRAPH_NODES + 1)
        if found is None:
            return None
        nodes = found.nodes[:MAX_GRAPH_NODES]
        kept = {n.key for n in nodes}
        return IdentityGraphView(
            profile=found.profile,
            nodes=nodes,
            edges=tuple(e for e in found.edges if e.source in kept and e.target in kept),
            truncated=len(found.nodes) > MAX_GRAPH_NODES,
        )
