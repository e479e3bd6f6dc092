"""Destinations and plugins through GraphQL (administrators); configurations, which may hold
secrets, are never returned."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from app.entrypoints.gql.context import CanRead, Context, IsAdmin
from app.errors import InvalidInput, NotFound
from app.services.engagement.destinations import Destination as DestinationView


@strawberry.type(description="Where profile changes, segment changes and events are sent.")
class Destination:
    name: str
    kind: str = strawberry.field(description="webhook, segment, or a plugin's kind")
    purpose: str | None = strawberry.field(description="Consent needed for an item to go")
    topics: list[str]
    batch_size: int
    forward_erasures: bool
    active: bool

    @strawberry.field(description="delivered, skipped_no_consent, waiting, dead_letters, ...")
    async def stats(self, info: Info[Context, Any]) -> JSON:
        return JSON(await info.context.container.destinations.stats(self.name))

    @classmethod
    def from_view(cls, d: DestinationView) -> Destination:
        return cls(
            name=d.name,
            kind=d.kind,
            purpose=d.purpose,
            topics=list(d.topics),
            batch_size=d.batch_size,
            forward_erasures=d.forward_erasures,
            active=d.active,
        )


@strawberry.type(description="A destination kind and where it comes from.")
class PluginKind:
    kind: str
    origin: str


@strawberry.type(description="A plugin that could not be loaded, and why.")
class BrokenPlugin:
    name: str
    error: str


@strawberry.type
class Plugins:
    destinations: list[PluginKind]
    actions: list[PluginKind] = strawberry.field(description="Journey action kinds")
    sources: list[PluginKind] = strawberry.field(description="Formats for /v1/sources/<kind>")
    broken: list[BrokenPlugin]


@strawberry.type
class InvalidDestination:
    message: str


@strawberry.type
class DestinationNotFound:
    message: str


DestinationResult = Annotated[
    Destination | InvalidDestination | DestinationNotFound, strawberry.union("DestinationResult")
]


@strawberry.type
class DestinationQuery:
    @strawberry.field(description="The workspace's destinations.", permission_classes=[CanRead])
    async def destinations(self, info: Info[Context, Any]) -> list[Destination]:
        found = await info.context.container.destinations.all()
        return [Destination.from_view(d) for d in found]

    @strawberry.field(description="Loaded and broken plugins.", permission_classes=[IsAdmin])
    async def plugins(self, info: Info[Context, Any]) -> Plugins:
        registry = info.context.container.destinations.plugins

        def kinds(family: str) -> list[PluginKind]:
            found = registry.origins.get(family, {})
            return [PluginKind(kind=k, origin=found[k]) for k in sorted(found)]

        return Plugins(
            destinations=kinds("destinations"),
            actions=kinds("actions"),
            sources=kinds("sources"),
            broken=[BrokenPlugin(name=n, error=e) for n, e in sorted(registry.broken.items())],
        )


@strawberry.type
class DestinationMutation:
    @strawberry.mutation(
        description="Create or replace a destination (starts stopped): name, kind, purpose, "
        "topics, batch_size, forward_erasures, config.",
        permission_classes=[IsAdmin],
    )
    async def save_destination(
        self, info: Info[Context, Any], definition: JSON
    ) -> DestinationResult:
        try:
            view = await info.context.container.destinations.save(definition, info.context.actor)
        except InvalidInput as exc:
            return InvalidDestination(message=str(exc))
        return Destination.from_view(view)

    @strawberry.mutation(
        description="Start or stop deliveries to a destination.", permission_classes=[IsAdmin]
    )
    async def set_destination_active(
        self, info: Info[Context, Any], name: str, active: bool
    ) -> DestinationResult:
        try:
            view = await info.context.container.destinations.set_active(name, active)
        except NotFound as exc:
            return DestinationNotFound(message=str(exc))
        return Destination.from_view(view)

    @strawberry.mutation(
        description="Send a destination's dead letters again; returns how many were queued.",
        permission_classes=[IsAdmin],
    )
    async def replay_destination(self, info: Info[Context, Any], name: str) -> int:
        return await info.context.container.destinations.replay(name)
