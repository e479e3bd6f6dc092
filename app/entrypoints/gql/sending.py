"""`track` and `identify` mutations: a message through the pipeline, answered with the profile
it resolved to. They enqueue like any tracker and wait for the resolver; they never write
beside it."""

from __future__ import annotations

import time
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from app.domain.tracking.parse import Receipt, TrackingError, parse_single
from app.entrypoints.gql.context import CanCurate, Context
from app.entrypoints.gql.ingestion import SourceNotFound
from app.services.tracking.acceptance import Backpressure
from app.services.tracking.sources import DEFAULT_SOURCE_ID

#: Longest a caller may ask to wait for the resolver (s).
MAX_WAIT = 8.0


@strawberry.type(description="The message was stored and resolved.")
class Resolved:
    profile_id: str
    message_id: str


@strawberry.type(description="Accepted, but not resolved within the wait: it will be.")
class Pending:
    message_id: str


@strawberry.type(description="The message breaks Segment's spec; the text names the field.")
class InvalidMessage:
    message: str


@strawberry.type(description="The pipeline is behind; retry after the given seconds.")
class Throttled:
    retry_after: int


SendResult = Annotated[
    Resolved | Pending | InvalidMessage | Throttled | SourceNotFound,
    strawberry.union("SendResult"),
]


async def _send(
    info: Info[Context, Any],
    kind: str,
    message: JSON,
    source_id: str | None,
    wait_seconds: float,
) -> SendResult:
    container = info.context.container
    if not isinstance(message, dict):
        return InvalidMessage(message="message: expected an object")
    if not 0 <= wait_seconds <= MAX_WAIT:
        return InvalidMessage(message=f"waitSeconds: between 0 and {MAX_WAIT:g}")
    wanted = source_id or f"{container.settings.workspace}:{DEFAULT_SOURCE_ID}"
    source = next((s for s in await container.sources.list() if s.id == wanted), None)
    if source is None:
        return SourceNotFound(message="no source with that id in this workspace")
    receipt = Receipt(source.id, time.time(), container.settings.timestamp_horizon_days)
    try:
        tracked = parse_single(kind, message, receipt)
        profile = await container.sender.send_and_wait(source, tracked, wait_seconds)
    except TrackingError as exc:
        return InvalidMessage(message=str(exc))
    except Backpressure as exc:
        return Throttled(retry_after=exc.retry_after)
    if profile is None:
        return Pending(message_id=tracked.message_id)
    return Resolved(profile_id=profile, message_id=tracked.message_id)


@strawberry.type
class SendingMutation:
    @strawberry.mutation(
        description="Track an event (Segment's track fields as JSON) and return the profile it "
        "resolved to; the default source unless `sourceId` is given.",
        permission_classes=[CanCurate],
    )
    async def track(
        self,
        info: Info[Context, Any],
        message: JSON,
        source_id: str | None = None,
        wait_seconds: float = 5.0,
    ) -> SendResult:
        return await _send(info, "track", message, source_id, wait_seconds)

    @strawberry.mutation(
        description="Identify a person (Segment's identify fields as JSON) and return the "
        "profile the identifiers resolved to.",
        permission_classes=[CanCurate],
    )
    async def identify(
        self,
        info: Info[Context, Any],
        message: JSON,
        source_id: str | None = None,
        wait_seconds: float = 5.0,
    ) -> SendResult:
        return await _send(info, "identify", message, source_id, wait_seconds)
