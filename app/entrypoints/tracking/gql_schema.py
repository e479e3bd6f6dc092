"""The trackers' GraphQL schema (/v1/graphql): Segment's calls as mutations, and nothing else.

It is a schema of its own, apart from the analysts' (/graphql): trackers see none of its types
and API keys mean nothing here. A call is authorised by a source's write key (HTTP Basic user
name, else the `writeKey` argument, as /v1 takes it), then validated, de-duplicated and
appended by the same code as /v1 (`routes.take`). What /v1 refuses with an error body is a
typed result here (`InvalidMessage`, `Unauthorized`, `Throttled`, `Unavailable`), carrying
/v1's code, message and status: one document may hold several calls, each answered on its
own, so the HTTP status stays 200 (a `Retry-After` header is set all the same).
"""

from __future__ import annotations

import time
from typing import Annotated, Any

import strawberry
from strawberry.fastapi import BaseContext
from strawberry.scalars import JSON
from strawberry.types import Info

from app.bootstrap import Container
from app.domain.tracking.parse import BATCH_LIMIT, MESSAGE_LIMIT
from app.domain.tracking.spec import BATCH_MESSAGES_LIMIT
from app.entrypoints.gql.schema import TimedSchema, guard_extensions
from app.entrypoints.tracking.gql_inputs import (
    AliasInput,
    BatchMessageInput,
    GroupInput,
    IdentifyInput,
    PageInput,
    ScreenInput,
    TrackInput,
    segment_body,
)
from app.entrypoints.tracking.routes import (
    Refusal,
    authenticate,
    basic_write_key,
    refusal_of,
    take,
)

_WRITE_KEY = "The source's write key, when it is not the HTTP Basic user name (which wins)."


class TrackerContext(BaseContext):
    """The container, and when the request arrived (stamped on every message in it)."""

    def __init__(self, container: Container) -> None:
        super().__init__()
        self.container = container
        self.received_at = time.time()

    def retry_after(self, seconds: int) -> None:
        """Say `Retry-After` on the HTTP answer too: the longest wait any call was told."""
        if self.response is not None:
            told = self.response.headers.get("Retry-After")
            longest = max(seconds, int(told)) if told else seconds
            self.response.headers["Retry-After"] = str(longest)


@strawberry.type(description="Accepted: appended durably, or a replayed messageId (stored once).")
class Accepted:
    success: bool = strawberry.field(description='Always true: /v1\'s {"success": true}.')
    message_ids: list[str] = strawberry.field(
        description="The messages' ids, in order (generated where none was sent)."
    )


@strawberry.interface(description="A refused call, nothing of it appended: /v1's error, typed.")
class Refused:
    code: str = strawberry.field(description="/v1's code, e.g. invalid_request, unauthorized.")
    message: str = strawberry.field(description="Names the problem and the field, never values.")
    status: int = strawberry.field(description="The HTTP status /v1 answers this with.")


@strawberry.type(description="The message or batch breaks the spec or a size limit (400, 413).")
class InvalidMessage(Refused):
    pass


@strawberry.type(description="The write key is missing, malformed, or unknown here (401).")
class Unauthorized(Refused):
    pass


@strawberry.type(description="The ingestion backlog is full: retry after the seconds given (429).")
class Throttled(Refused):
    retry_after: int


@strawberry.type(description="A backing service does not answer: retry after the seconds (503).")
class Unavailable(Refused):
    retry_after: int


TrackingResult = Annotated[
    Accepted | InvalidMessage | Unauthorized | Throttled | Unavailable,
    strawberry.union("TrackingResult"),
]


def _typed(refusal: Refusal, context: TrackerContext) -> TrackingResult:
    code, message, status = refusal.code, refusal.message, refusal.status
    if status == 401:
        return Unauthorized(code=code, message=message, status=status)
    if refusal.retry_after is not None:
        context.retry_after(refusal.retry_after)
        kind = Throttled if status == 429 else Unavailable
        return kind(code=code, message=message, status=status, retry_after=refusal.retry_after)
    return InvalidMessage(code=code, message=message, status=status)


TrackerInfo = Info[TrackerContext, Any]
WriteKey = Annotated[str | None, strawberry.argument(description=_WRITE_KEY)]


async def _accept(
    info: TrackerInfo, kind: str, body: dict[str, Any], write_key: str | None
) -> TrackingResult:
    """/v1/<kind>'s steps after reading the body: authenticate, validate, append."""
    context = info.context
    try:
        request = context.request
        header = request.headers.get("authorization") if request is not None else None
        source = await authenticate(context.container, basic_write_key(header) or write_key)
        messages = await take(context.container, source, kind, body, context.received_at)
    except Exception as exc:
        refusal = refusal_of(exc)
        if refusal is None:
            raise
        return _typed(refusal, context)
    return Accepted(success=True, message_ids=[m.message_id for m in messages])


@strawberry.type
class TrackingMutation:
    """One mutation per Segment call; `batch` takes several, all accepted or none."""

    @strawberry.mutation(description="Segment `identify` (as POST /v1/identify).")
    async def identify(
        self, info: TrackerInfo, message: IdentifyInput, write_key: WriteKey = None
    ) -> TrackingResult:
        return await _accept(info, "identify", segment_body(message), write_key)

    @strawberry.mutation(description="Segment `track` (as POST /v1/track).")
    async def track(
        self, info: TrackerInfo, message: TrackInput, write_key: WriteKey = None
    ) -> TrackingResult:
        return await _accept(info, "track", segment_body(message), write_key)

    @strawberry.mutation(description="Segment `page` (as POST /v1/page).")
    async def page(
        self, info: TrackerInfo, message: PageInput, write_key: WriteKey = None
    ) -> TrackingResult:
        return await _accept(info, "page", segment_body(message), write_key)

    @strawberry.mutation(description="Segment `screen` (as POST /v1/screen).")
    async def screen(
        self, info: TrackerInfo, message: ScreenInput, write_key: WriteKey = None
    ) -> TrackingResult:
        return await _accept(info, "screen", segment_body(message), write_key)

    @strawberry.mutation(description="Segment `group` (as POST /v1/group).")
    async def group(
        self, info: TrackerInfo, message: GroupInput, write_key: WriteKey = None
    ) -> TrackingResult:
        return await _accept(info, "group", segment_body(message), write_key)

    @strawberry.mutation(description="Segment `alias` (as POST /v1/alias).")
    async def alias(
        self, info: TrackerInfo, message: AliasInput, write_key: WriteKey = None
    ) -> TrackingResult:
        return await _accept(info, "alias", segment_body(message), write_key)

    @strawberry.mutation(
        description="Segment batch (as POST /v1/batch): every message or none; the first bad "
        "one refuses the batch, naming its index. `context` and `integrations` are defaults "
        "merged into each message, `sentAt` the time the batch left the client."
    )
    async def batch(
        self,
        info: TrackerInfo,
        batch: list[BatchMessageInput],
        context: JSON | None = None,
        integrations: JSON | None = None,
        sent_at: str | None = None,
        write_key: WriteKey = None,
    ) -> TrackingResult:
        envelope: dict[str, Any] = {
            "batch": [segment_body(item) for item in batch],
            "context": context,
            "integrations": integrations,
            "sentAt": sent_at,
        }
        body = {name: value for name, value in envelope.items() if value is not None}
        return await _accept(info, "batch", body, write_key)


@strawberry.type(description="What one request may carry, as for /v1.")
class TrackingLimits:
    message_bytes: int = strawberry.field(description="One message, as compact JSON.")
    body_bytes: int = strawberry.field(description="The request body, decoded.")
    batch_messages: int = strawberry.field(description="Messages in one batch.")


@strawberry.type
class TrackingQuery:
    @strawberry.field(description="The size limits; needs no write key.")
    def limits(self) -> TrackingLimits:
        return TrackingLimits(
            message_bytes=MESSAGE_LIMIT, body_bytes=BATCH_LIMIT, batch_messages=BATCH_MESSAGES_LIMIT
        )


def build_tracking_schema(*, time_limit: float = 10.0, introspection: bool = True) -> TimedSchema:
    """The trackers' schema, with the analysts' abuse limits, time limit and error masking;
    introspection (and "Did you mean ...?") only where the analysts' schema has it."""
    schema = TimedSchema(
        query=TrackingQuery,
        mutation=TrackingMutation,
        extensions=guard_extensions(introspection=introspection),
    )
    schema.time_limit = time_limit
    schema.suggestions = introspection
    return schema
