"""/v1/graphql over HTTP: the trackers' schema behind /v1's body reading, errors and CORS.

The body is read as /v1 reads one (`body.read_body`: at most 500 KB once decoded, gzip and
deflate inflated as they arrive, one JSON object) before strawberry sees it, and what is
refused there, or by strawberry before the schema runs, gets /v1's status and error body.
Being under /v1/, the endpoint has /v1's CORS (`TrackingCors`). GraphiQL, GET queries and
introspection are as for /graphql (development only, but GET queries); no WebSocket.
"""

from __future__ import annotations

from typing import Any

from cross_web import HTTPException
from fastapi import FastAPI
from starlette.requests import HTTPConnection, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.types.unset import UNSET

from app.domain.json_depth import DEPTH_LIMIT
from app.entrypoints.deps import container_of
from app.entrypoints.gql.router import BoundedGraphQLRouter
from app.entrypoints.tracking.body import load_object, read_body
from app.entrypoints.tracking.gql_schema import TrackerContext, build_tracking_schema
from app.entrypoints.tracking.routes import error_response, refusal_of
from app.settings import Settings

PATH = "/v1/graphql"
#: Levels a message sits below the top of a GraphQL body: variables, then the message (or the
#: batch, its list and the message's kind), so that what /v1 takes nests no deeper than its
#: messages allow and a message nested too deep is refused by /v1's own check, naming it.
ENVELOPE_DEPTH = 4
_CODES = {400: "invalid_request", 404: "not_found"}


class TrackerGraphQLRouter(BoundedGraphQLRouter[TrackerContext]):
    """Strawberry's router whose HTTP refusals (no query, a mutation over GET, GraphiQL off,
    batches of operations) have /v1's error body instead of plain text."""

    depth_limit = DEPTH_LIMIT + ENVELOPE_DEPTH

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        try:
            return await super().run(request, context, root_value)
        except HTTPException as exc:
            code = _CODES.get(exc.status_code, f"http_{exc.status_code}")
            return error_response(exc.status_code, code, exc.reason)


class TrackerBody:
    """ASGI middleware: a POST to /v1/graphql is read as /v1 reads a body, refused with /v1's
    answer (400, 413, 415) or handed on decoded, as plain bytes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or str(scope["path"]).rstrip("/") != PATH
        ):
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            raw = await read_body(
                request.stream(),
                request.headers.get("content-encoding"),
                request.headers.get("content-length"),
            )
            load_object(raw)
        except Exception as exc:
            refusal = refusal_of(exc)
            if refusal is None:
                raise
            answer = error_response(refusal.status, refusal.code, refusal.message)
            await answer(scope, receive, send)
            return
        await self.app(_decoded(scope, raw), _replay(raw, receive), send)


def _decoded(scope: Scope, raw: bytes) -> Scope:
    """The scope with the headers of the decoded body: no encoding, its true length."""
    skip = {b"content-encoding", b"content-length"}
    headers = [(k, v) for k, v in scope["headers"] if k.lower() not in skip]
    headers.append((b"content-length", str(len(raw)).encode()))
    return {**scope, "headers": headers}


def _replay(raw: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": raw, "more_body": False}
        return await receive()

    return replay


async def _context(connection: HTTPConnection) -> TrackerContext:
    return TrackerContext(container_of(connection))


def install_graphql(app: FastAPI, settings: Settings) -> None:
    """Mount /v1/graphql and its body reading; call before /v1's CORS is added, so that the
    CORS middleware wraps this one and refusals carry CORS headers too."""
    dev = settings.is_development
    schema = build_tracking_schema(
        time_limit=settings.graphql_time_limit_seconds, introspection=dev
    )
    router = TrackerGraphQLRouter(
        schema,
        context_getter=_context,
        graphql_ide="graphiql" if dev else None,
        subscription_protocols=(),
    )
    app.include_router(router, prefix=PATH, tags=["tracking"], include_in_schema=False)
    app.add_middleware(TrackerBody)
