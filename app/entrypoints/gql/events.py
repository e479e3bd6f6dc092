"""A profile's events as a Relay connection, and the page info every connection shares."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from app.entrypoints.gql.context import Context
from app.services.profiles.browse import EventFilter, EventView


@strawberry.type(description="Relay page information.")
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type(description="A tracked event owned by one of the profile's identifiers.")
class Event:
    id: str = strawberry.field(description="workspace:source:messageId")
    type: str = strawberry.field(description="track, identify, page, screen, group or alias")
    name: str | None = strawberry.field(description="A track's event name, a page's name")
    at: float = strawberry.field(description="When it happened, epoch seconds (UTC)")
    received_at: float
    source: str
    flags: list[str] = strawberry.field(description="Notes such as blocked:email (no values)")
    identifier_type: str = strawberry.field(description="The type of its owning identifier")
    payload: JSON | None = strawberry.field(
        description="traits, properties and context, decrypted; null for roles that may not "
        "read personal data"
    )

    @classmethod
    def from_view(cls, v: EventView) -> Event:
        return cls(
            id=v.id,
            type=v.type,
            name=v.name,
            at=v.at,
            received_at=v.received_at,
            source=v.source,
            flags=list(v.flags),
            identifier_type=v.identifier_type,
            payload=JSON(v.payload) if v.payload is not None else None,
        )


@strawberry.type
class EventEdge:
    cursor: str
    node: Event


@strawberry.type(description="A profile's events, newest first (Relay connection).")
class EventConnection:
    profile_id: strawberry.Private[str]
    filter: strawberry.Private[EventFilter]
    edges: list[EventEdge]
    page_info: PageInfo

    @strawberry.field(description="Events of the profile matching the filter")
    async def total_count(self, info: Info[Context, Any]) -> int:
        if self.filter == EventFilter():
            return await info.context.loaders.event_counts.load(self.profile_id)
        return await info.context.container.browser.count_events(self.profile_id, self.filter)


def _selected(info: Info[Context, Any], *names: str) -> bool:
    return any(
        getattr(s, "name", None) in names
        for field in info.selected_fields
        for s in getattr(field, "selections", [])
    )


async def event_connection(
    info: Info[Context, Any],
    profile_id: str,
    first: int,
    after: str | None,
    f: EventFilter,
) -> EventConnection:
    """Reads a page only when edges or pageInfo are asked for (a list of profiles asking for
    `totalCount` alone costs one batched query)."""
    if not _selected(info, "edges", "pageInfo"):
        return EventConnection(
            profile_id=profile_id,
            filter=f,
            edges=[],
            page_info=PageInfo(has_next_page=False, end_cursor=None),
        )
    page, more = await info.context.container.browser.events(
        profile_id, first, after, f, reveal=info.context.reveals_pii
    )
    return EventConnection(
        profile_id=profile_id,
        filter=f,
        edges=[EventEdge(cursor=c, node=Event.from_view(v)) for c, v in page],
        page_info=PageInfo(has_next_page=more, end_cursor=page[-1][0] if page else None),
    )
