"""Lists for frontends: profiles page by page, and a profile's identity graph for a graph view."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from app.entrypoints.gql.context import CanRead, Context
from app.entrypoints.gql.events import PageInfo
from app.entrypoints.gql.types import Profile
from app.services.profiles.browse import GraphEdgeView, GraphNodeView, ProfileFilter


@strawberry.input(description="A plain (queryable) trait equal to a value.")
class TraitFilterInput:
    name: str
    value: JSON


@strawberry.input(description="Filters of `profiles`; all given ones must hold.")
class ProfileFilterInput:
    trait: TraitFilterInput | None = None
    identifier_type: str | None = strawberry.field(
        default=None, description="Profiles having an identifier of this type"
    )
    updated_since: float | None = strawberry.field(
        default=None, description="Changed at or after this time, epoch seconds"
    )
    segment: str | None = strawberry.field(default=None, description="Members of a segment")

    def to_filter(self) -> ProfileFilter:
        return ProfileFilter(
            trait=(self.trait.name, self.trait.value) if self.trait else None,
            identifier_type=self.identifier_type,
            updated_since=self.updated_since,
            segment=self.segment,
        )


@strawberry.type
class ProfileEdge:
    cursor: str
    node: Profile


@strawberry.type(description="Active profiles in a stable order (Relay connection).")
class ProfileConnection:
    filter: strawberry.Private[ProfileFilter]
    edges: list[ProfileEdge]
    page_info: PageInfo

    @strawberry.field(description="Active profiles matching the filter")
    async def total_count(self, info: Info[Context, Any]) -> int:
        return await info.context.container.browser.count_profiles(self.filter)


@strawberry.type(description="An identifier in a graph view (its value is not part of it).")
class GraphNode:
    id: str = strawberry.field(description="The identifier's key (a keyed hash, no value)")
    type: str
    profile_id: str | None = strawberry.field(description="The profile it belongs to")
    generic: bool
    blocked: bool

    @classmethod
    def from_view(cls, v: GraphNodeView) -> GraphNode:
        return cls(
            id=v.key, type=v.type, profile_id=v.profile, generic=v.generic, blocked=v.blocked
        )


@strawberry.type(description="Evidence between two identifiers (LINKED) or a ban (NEVER).")
class GraphEdge:
    source: str
    target: str
    kind: str = strawberry.field(description="LINKED or NEVER")
    rule: str | None
    weight: float | None
    count: int | None
    followed: bool | None = strawberry.field(description="Whether it joins the two now")
    refusal: str | None = strawberry.field(description="The rule that refused it, if any")

    @classmethod
    def from_view(cls, v: GraphEdgeView) -> GraphEdge:
        return cls(
            source=v.source,
            target=v.target,
            kind=v.kind,
            rule=v.rule,
            weight=v.weight,
            count=v.count,
            followed=v.followed,
            refusal=v.refusal,
        )


@strawberry.type(description="A profile's identifiers and their neighbourhood, for a graph view.")
class IdentityGraph:
    profile_id: str
    nodes: list[GraphNode]
    edges: list[GraphEdge]
    truncated: bool = strawberry.field(description="More than 500 nodes: some were left out")


@strawberry.type
class BrowseQuery:
    @strawberry.field(
        description="Active profiles, at most 100 a page, in a stable order.",
        permission_classes=[CanRead],
    )
    async def profiles(
        self,
        info: Info[Context, Any],
        first: int = 20,
        after: str | None = None,
        filter: ProfileFilterInput | None = None,
    ) -> ProfileConnection:
        f = filter.to_filter() if filter else ProfileFilter()
        page, more = await info.context.container.browser.profiles(first, after, f)
        return ProfileConnection(
            filter=f,
            edges=[ProfileEdge(cursor=c, node=Profile.from_view(v)) for c, v in page],
            page_info=PageInfo(has_next_page=more, end_cursor=page[-1][0] if page else None),
        )

    @strawberry.field(
        description="A profile's identifiers and everything up to `depth` (0-3) evidence hops "
        "outside it, with weights: ready for a graph view. Null for an unknown profile.",
        permission_classes=[CanRead],
    )
    async def identity_graph(
        self, info: Info[Context, Any], profile_id: str, depth: int = 1
    ) -> IdentityGraph | None:
        view = await info.context.container.browser.identity_graph(profile_id, depth)
        if view is None:
            return None
        return IdentityGraph(
            profile_id=view.profile,
            nodes=[GraphNode.from_view(n) for n in view.nodes],
            edges=[GraphEdge.from_view(e) for e in view.edges],
            truncated=view.truncated,
        )
