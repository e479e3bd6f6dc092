"""Journeys through GraphQL: define, validate, version, activate, pause; runs and statistics.
Enough for a visual editor: the definition is JSON (docs/journeys.md)."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from app.entrypoints.gql.context import CanManageSegments, CanRead, Context
from app.errors import InvalidInput, NotFound
from app.services.engagement.journeys import JourneyView, RunView


@strawberry.type(description="A journey: its current definition and version.")
class Journey:
    name: str
    description: str
    definition: JSON
    version: int = strawberry.field(description="Bumped on every save; runs keep theirs")
    active: bool = strawberry.field(description="New runs may start; paused otherwise")
    updated_at: float
    running: int = strawberry.field(description="Runs in flight")

    @strawberry.field(description="Per step: how many visits ended in each outcome.")
    async def stats(self, info: Info[Context, Any]) -> JSON:
        return JSON(await info.context.container.journeys.stats(self.name))

    @classmethod
    def from_view(cls, v: JourneyView) -> Journey:
        return cls(
            name=v.name,
            description=v.description,
            definition=JSON(v.definition),
            version=v.version,
            active=v.active,
            updated_at=v.updated_at,
            running=v.running,
        )


@strawberry.type(description="A profile's run through a journey, with each step it took.")
class JourneyRun:
    id: str
    journey: str
    version: int
    status: str = strawberry.field(
        description="active, waiting, completed, exited (an exit step) or failed"
    )
    step: str
    started_at: float
    updated_at: float
    exit_reason: str | None
    steps: JSON = strawberry.field(description="[{step, kind, outcome, reason, at}] in order")

    @classmethod
    def from_view(cls, v: RunView) -> JourneyRun:
        return cls(
            id=v.id,
            journey=v.journey,
            version=v.version,
            status=v.status,
            step=v.step,
            started_at=v.started_at,
            updated_at=v.updated_at,
            exit_reason=v.exit_reason,
            steps=JSON(list(v.steps)),
        )


@strawberry.type(description="The definition is invalid; the message starts with the bad part.")
class InvalidJourney:
    message: str


@strawberry.type(description="The definition is valid.")
class JourneyValid:
    name: str
    steps: int


@strawberry.type(description="No journey with that name.")
class JourneyNotFound:
    message: str


JourneyResult = Annotated[
    Journey | InvalidJourney | JourneyNotFound, strawberry.union("JourneyResult")
]
ValidateJourneyResult = Annotated[
    JourneyValid | InvalidJourney, strawberry.union("ValidateJourneyResult")
]


@strawberry.type
class JourneyQuery:
    @strawberry.field(description="The workspace's journeys.", permission_classes=[CanRead])
    async def journeys(self, info: Info[Context, Any]) -> list[Journey]:
        return [Journey.from_view(j) for j in await info.context.container.journeys.all()]

    @strawberry.field(description="One journey by name.", permission_classes=[CanRead])
    async def journey(self, info: Info[Context, Any], name: str) -> Journey | None:
        try:
            return Journey.from_view(await info.context.container.journeys.get(name))
        except NotFound:
            return None

    @strawberry.field(
        description="Check a definition without saving it.", permission_classes=[CanRead]
    )
    async def validate_journey(
        self, info: Info[Context, Any], definition: JSON
    ) -> ValidateJourneyResult:
        try:
            journey = await info.context.container.journeys.validate(definition)
        except InvalidInput as exc:
            return InvalidJourney(message=str(exc))
        return JourneyValid(name=journey.name, steps=len(journey.steps))


@strawberry.type
class JourneyMutation:
    @strawberry.mutation(
        description="Create a journey or a new version of it (runs in flight keep theirs). "
        "New journeys start paused.",
        permission_classes=[CanManageSegments],
    )
    async def save_journey(self, info: Info[Context, Any], definition: JSON) -> JourneyResult:
        try:
            view = await info.context.container.journeys.save(definition, info.context.caller)
        except InvalidInput as exc:
            return InvalidJourney(message=str(exc))
        return Journey.from_view(view)

    @strawberry.mutation(
        description="Activate a journey (new runs may start) or pause it.",
        permission_classes=[CanManageSegments],
    )
    async def set_journey_active(
        self, info: Info[Context, Any], name: str, active: bool
    ) -> JourneyResult:
        try:
            view = await info.context.container.journeys.set_active(
                name, active, info.context.caller
            )
        except NotFound as exc:
            return JourneyNotFound(message=str(exc))
        except InvalidInput as exc:
            return InvalidJourney(message=str(exc))
        return Journey.from_view(view)
