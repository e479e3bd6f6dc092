"""Pages of profiles and events, and identity graphs, from Neo4j (cypher/views/)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.adapters.identity_graph import IdentityGraph
from app.ports.browsing import (
    EventFilter,
    EventRow,
    GraphEdgeView,
    GraphNodeView,
    Neighbourhood,
    ProfileQuery,
)
from app.ports.profiles import ProfileView


class Neo4jProfileBrowseStore:
    def __init__(self, graph: IdentityGraph) -> None:
        self.graph = graph

    def _filters(self, q: ProfileQuery) -> dict[str, Any]:
        # Plain golden values are `t_<field>` properties; segments are keyed `ws:name`.
        trait, value = ("", None) if q.trait is None else (f"t_{q.trait[0]}", q.trait[1])
        return {
            "trait": trait,
            "value": value,
            "type": q.identifier_type,
            "since": q.updated_since,
            **({"segment": self._segment_key(q.segment)} if q.segment else {}),
        }

    def _segment_key(self, name: str) -> str:
        return f"{self.graph.ws}:{name}"

    @staticmethod
    def _view(query: ProfileQuery, name: str) -> str:
        """A segment's members are read from its edges, the others from the profile index."""
        return f"views/segment_{name}" if query.segment else f"views/{name}"

    async def _segment_size(self, name: str) -> tuple[int, int]:
        """(members of the segment, profiles of the graph); (0, 0) if it is unknown."""
        rows = await self.graph.read("views/segment_size", segment=self._segment_key(name))
        return (int(rows[0]["members"]), int(rows[0]["profiles"])) if rows else (0, 0)

    async def _page_view(self, query: ProfileQuery, limit: int) -> str:
        """Which query reads a page: a segment's members from its edges costs what it holds;
        walking the profile index in id order and keeping members costs about `limit` over
        its share. The walk wins when members * share > limit, and is taken only when the
        segment is the only filter."""
        if not query.segment:
            return "views/profiles_page"
        if query != ProfileQuery(segment=query.segment):
            # Another filter may keep few of the members: the walk could read every profile.
            return "views/segment_profiles_page"
        members, profiles = await self._segment_size(query.segment)
        if members * members > limit * profiles:
            return "views/segment_profiles_page_dense"
        return "views/segment_profiles_page"

    async def profiles_page(self, after: str, limit: int, query: ProfileQuery) -> list[ProfileView]:
        rows = await self.graph.read(
            await self._page_view(query, limit), after=after, limit=limit, **self._filters(query)
        )
        return [
            ProfileView(
                id=r["id"],
                status=r["status"],
                merged_into=None,
                created_at=float(r["created_at"]),
                updated_at=float(r["updated_at"]),
                version=int(r["version"]),
            )
            for r in rows
        ]

    async def count_profiles(self, query: ProfileQuery) -> int:
        rows = await self.graph.read(self._view(query, "profiles_count"), **self._filters(query))
        return int(rows[0]["total"]) if rows else 0

    async def event_counts(self, profile_ids: Sequence[str]) -> dict[str, int]:
        rows = await self.graph.read("views/event_counts_of_profiles", ids=sorted(set(profile_ids)))
        return {r["profile"]: int(r["events"]) for r in rows}

    async def events_page(
        self, profile_id: str, f: EventFilter, after: tuple[float, str] | None, limit: int
    ) -> list[EventRow]:
        rows = await self.graph.read(
            "views/profile_events_page",
            id=profile_id,
            name=f.name,
            since=f.since,
            until=f.until,
            after_at=after[0] if after else None,
            after_id=after[1] if after else None,
            limit=limit,
        )
        return [
            EventRow(
                id=r["id"],
                type=r["type"],
                name=r["name"],
                at=float(r["at"]),
                received_at=float(r["received_at"]),
                source=r["source"],
                flags=tuple(r["flags"] or ()),
                enc=r["enc"],
                owner=r["owner"],
                owner_type=r["owner_type"],
            )
            for r in rows
        ]

    async def count_events(self, profile_id: str, f: EventFilter) -> int:
        rows = await self.graph.read(
            "views/profile_events_count", id=profile_id, name=f.name, since=f.since, until=f.until
        )
        return int(rows[0]["total"]) if rows else 0

    async def tags(self, profile_id: str) -> list[str]:
        rows = await self.graph.read("views/profile_tags", id=profile_id)
        return [str(t) for t in rows[0]["tags"]] if rows else []

    async def identity_graph(
        self, profile_id: str, depth: int, max_nodes: int
    ) -> Neighbourhood | None:
        rows = await self.graph.read(
            "views/identity_graph", id=profile_id, depth=depth, max_nodes=max_nodes
        )
        if not rows:
            return None
        row = rows[0]
        return Neighbourhood(
            profile=row["profile"],
            nodes=tuple(
                GraphNodeView(n["key"], n["type"], n["profile"], n["generic"], n["blocked"])
                for n in row["nodes"]
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
                if e is not None
            ),
        )
