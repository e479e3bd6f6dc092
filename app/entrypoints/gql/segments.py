"""Segments through GraphQL: define, validate, preview, activate, pause; memberships."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from app.entrypoints.gql.context import CanManageSegments, CanRead, Context
from app.errors import InvalidInput, NotFound
from app.services.engagement.segments.engine import SegmentView
from app.services.engagement.segments.evaluation import Evaluation


@strawberry.type(
    description="A segment's latest evaluation over every profile (on activation, and on "
    "saving a new version of an active segment). It starts in the mutation and, past a few "
    "seconds, goes on in a worker: follow it with `segment(name) { evaluation }`."
)
class SegmentEvaluation:
    status: str = strawberry.field(
        description="running, done, stopped (paused or replaced), failed"
    )
    evaluated: int = strawberry.field(description="Profiles decided so far")
    total: int = strawberry.field(description="Profiles in the workspace when it started")
    entered: int
    left: int
    started_at: float
    finished_at: float | None

    @classmethod
    def from_view(cls, e: Evaluation) -> SegmentEvaluation:
        return cls(
            status=e.status,
            evaluated=e.done,
            total=e.total,
            entered=e.entered,
            left=e.left,
            started_at=e.started_at,
            finished_at=e.finished_at,
        )


@strawberry.type(description="A segment: a definition and its current members.")
class Segment:
    name: str
    description: str
    definition: JSON = strawberry.field(description="As saved (docs/segment.schema.json)")
    version: int = strawberry.field(description="Bumped on every save")
    active: bool = strawberry.field(description="Evaluated in real time; paused otherwise")
    updated_at: float
    members: int
    evaluation: SegmentEvaluation | None = strawberry.field(
        description="The latest evaluation over every profile; null before the first"
    )

    @classmethod
    def from_view(cls, v: SegmentView) -> Segment:
        return cls(
            name=v.name,
            description=v.description,
            definition=JSON(v.definition),
            version=v.version,
            active=v.active,
            updated_at=v.updated_at,
            members=v.members,
            evaluation=SegmentEvaluation.from_view(v.evaluation) if v.evaluation else None,
        )


@strawberry.type(description="What a definition selects now, before it is saved.")
class SegmentPreview:
    total: int
    sample: list[str] = strawberry.field(description="Some of the profile ids it selects")


@strawberry.type(description="The definition is invalid; the message starts with the bad part.")
class InvalidSegment:
    message: str


@strawberry.type(description="No segment with that name.")
class SegmentNotFound:
    message: str


SegmentResult = Annotated[
    Segment | InvalidSegment | SegmentNotFound, strawberry.union("SegmentResult")
]
PreviewSegmentResult = Annotated[
    SegmentPreview | InvalidSegment, strawberry.union("PreviewSegmentResult")
]


@strawberry.type
class SegmentQuery:
    @strawberry.field(description="The workspace's segments.", permission_classes=[CanRead])
    async def segments(self, info: Info[Context, Any]) -> list[Segment]:
        return [Segment.from_view(s) for s in await info.context.container.segments.all()]

    @strawberry.field(description="One segment by name.", permission_classes=[CanRead])
    async def segment(self, info: Info[Context, Any], name: str) -> Segment | None:
        try:
            return Segment.from_view(await info.context.container.segments.get(name))
        except NotFound:
            return None

    @strawberry.field(
        description="How many profiles a definition selects now, and a sample; saves nothing.",
        permission_classes=[CanRead],
    )
    async def preview_segment(
        self, info: Info[Context, Any], definition: JSON, sample: int = 10
    ) -> PreviewSegmentResult:
        try:
            total, ids = await info.context.container.segments.preview(definition, sample)
        except InvalidInput as exc:
            return InvalidSegment(message=str(exc))
        return SegmentPreview(total=total, sample=ids)


@strawberry.type
class SegmentMutation:
    @strawberry.mutation(
        description="Create or replace a segment (a new version); an active one is "
        "re-evaluated at once. New segments start paused.",
        permission_classes=[CanManageSegments],
    )
    async def save_segment(self, info: Info[Context, Any], definition: JSON) -> SegmentResult:
        try:
            view = await info.context.container.segments.save(definition, info.context.actor)
        except InvalidInput as exc:
            return InvalidSegment(message=str(exc))
        return Segment.from_view(view)

    @strawberry.mutation(
        description="Activate or pause a segment. Activating evaluates it over every profile "
        "(in the request for a few seconds, then in a worker: see `evaluation`) and in real time "
        "from then on.",
        permission_classes=[CanManageSegments],
    )
    async def set_segment_active(
        self, info: Info[Context, Any], name: str, active: bool
    ) -> SegmentResult:
        try:
            view = await info.context.container.segments.set_active(name, active)
        except NotFound as exc:
            return SegmentNotFound(message=str(exc))
        return Segment.from_view(view)
