"""Browsing for frontends: pages of profiles and of a profile's events, and the identity graph
of a profile ready for a graph view. Page sizes are capped; cursors are opaque to callers."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.adapters.identity_graph import IdentityGraph
from app.domain.traits import TraitError, TraitSchema, coerce
from app.errors import InvalidInput
from app.privacy import DecryptionError
from app.services.identity.keys import Sealer
from app.services.profiles.service import INTEGRITY_FAILED, KEY_DESTROYED, ProfileView
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
class EventFilter:
    name: str | None = None
    since: float | None = None
    until: float | None = None


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
        graph: IdentityGraph,
        sealer: Sealer,
        schema: Callable[[], Any],
    ) -> None:
        self.graph = graph
        self.sealer = sealer
        self.schema = schema  # async () -> TraitSchema

    async def _filter_params(self, f: ProfileFilter) -> dict[str, Any]:
        trait, value = "", None
        if f.trait is not None:
            name, raw = f.trait
            schema: TraitSchema = await self.schema()
            field = schema.classify(name)
            if field is None or field.pii != "plain":
                raise InvalidInput(f"filter.trait: {name[:40]!r} is not a plain (queryable) trait")
            try:
                value = property_value(coerce(field, raw))
            except TraitError as exc:
                raise InvalidInput(f"filter.trait: {exc}") from None
            trait = f"t_{field.name}"
        return {
            "trait": trait,
            "value": value,
            "type": f.identifier_type,
            "since": f.updated_since,
            "segment": f"{self.graph.ws}:{f.segment}" if f.segment else None,
        }

    async def profiles(
        self, first: int, after: str | None, f: ProfileFilter
    ) -> tuple[list[tuple[str, ProfileView]], bool]:
        """(cursor, profile) pairs in id order, and whether more follow."""
        limit = page_size(first)
        cursor = decode_cursor(after, 1)
        params = await self._filter_params(f)
        rows = await self.graph.read(
            "views/profiles_page", after=cursor[0] if cursor else "", limit=limit + 1, **params
        )
        views = [
            (
                encode_cursor(r["id"]),
                ProfileView(
                    id=r["id"],
                    status=r["status"],
                    merged_into=None,
                    created_at=float(r["created_at"]),
                    updated_at=float(r["updated_at"]),
                    version=int(r["version"]),
                ),
            )
            for r in rows[:limit]
        ]
        return views, len(rows) > limit

    async def count_profiles(self, f: ProfileFilter) -> int:
        rows = await self.graph.read("views/profiles_count", **await self._filter_params(f))
        return int(rows[0]["total"]) if rows else 0

    async def event_counts(self, profile_ids: list[str]) -> dict[str, int]:
        rows = await self.graph.read("views/event_counts_of_profiles", ids=sorted(set(profile_ids)))
        counts = {r["profile"]: int(r["events"]) for r in rows}
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
            after_at = float(cursor[0]) if cursor else None
        except ValueError:
            raise InvalidInput("after: not a cursor this API returned") from None
        rows = await self.graph.read(
            "views/profile_events_page",
            id=profile_id,
            name=f.name,
            since=f.since,
            until=f.until,
            after_at=after_at,
            after_id=cursor[1] if cursor else None,
            limit=limit + 1,
        )
        more = len(rows) > limit
        rows = rows[:limit]
        keys = (
            await self.sealer.data_keys(sorted({r["owner"] for r in rows}), create=False)
            if reveal
            else {}
        )
        page = [
            (
                encode_cursor(r["at"], r["id"]),
                EventView(
                    id=r["id"],
                    type=r["type"],
                    name=r["name"],
                    at=float(r["at"]),
                    received_at=float(r["received_at"]),
                    source=r["source"],
                    flags=tuple(r["flags"] or ()),
                    identifier_type=r["owner_type"],
                    payload=self._open(keys.get(r["owner"]), r) if reveal else None,
                ),
            )
            for r in rows
        ]
        return page, more

    def _open(self, data_key: bytes | None, row: dict[str, Any]) -> Any:
        if data_key is None:
            return {"unavailable": KEY_DESTROYED}
        try:
            return self.sealer.open(
                data_key, row["enc"], owner=row["owner"], field=f"event:{row['id']}"
            )
        except DecryptionError:
            return {"unavailable": INTEGRITY_FAILED}

    async def tags(self, profile_id: str) -> list[str]:
        rows = await self.graph.read("views/profile_tags", id=profile_id)
        return list(rows[0]["tags"]) if rows else []

    async def count_events(self, profile_id: str, f: EventFilter) -> int:
        rows = await self.graph.read(
            "views/profile_events_count", id=profile_id, name=f.name, since=f.since, until=f.until
        )
        return int(rows[0]["total"]) if rows else 0

    async def identity_graph(self, profile_id: str, depth: int) -> IdentityGraphView | None:
        if not 0 <= depth <= 3:
            raise InvalidInput("depth: between 0 and 3")
        rows = await self.graph.read(
            "views/identity_graph", id=profile_id, depth=depth, max_nodes=MAX_GRAPH_NODES + 1
        )
        if not rows:
            return None
        row = rows[0]
        nodes = row["nodes"][:MAX_GRAPH_NODES]
        kept = {n["key"] for n in nodes}
        return IdentityGraphView(
            profile=row["profile"],
            nodes=tuple(
                GraphNodeView(n["key"], n["type"], n["profile"], n["generic"], n["blocked"])
                for n in nodes
            ),
            edges=tuple(
                GraphEdgeView(
                    e["source"],
                    e["target"],
                    e["kind"],
                    e["rule"],
                    e["weight"],
                    e["count"],
                    e["followed"],
                    e["refusal"],
                )
                for e in row["edges"]
                if e is not None and e["source"] in kept and e["target"] in kept
            ),
            truncated=len(row["nodes"]) > MAX_GRAPH_NODES,
        )
