"""Segment's HTTP Tracking API: POST /v1/{identify,track,page,screen,group,alias,batch,import}.

Both segment-analytics-python and rudder-sdk-python post only to `<host>/v1/batch`; the
single-call paths and `/v1/import` (Segment's historical-import alias of batch) are for direct
HTTP users. analytics.js (@segment/analytics-next) posts each call to `<apiHost>/<first letter
of its type>` (`/t`, `/p`, `/i`, `/g`, `/a`, `/s`), or to `<apiHost>/b` with its batching
strategy, as `text/plain` JSON; those short paths are aliases here (JSON is read whatever the
Content-Type), and `GET /v1/projects/{writeKey}/settings` answers the settings request it makes
to its CDN. A request is authenticated, read, validated in full, then appended in one atomic
step; the answer is Segment's `{"success": true}` only after the append. Errors share one body:
`{"success": false, "error", "code", "message"}`: both SDKs read `code` and `message`, and
rudder-sdk-python retries a 4xx whose body lacks them as if the network had failed.
"""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import neo4j.exceptions
import redis.exceptions
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from starlette.requests import ClientDisconnect

from app.bootstrap import Container
from app.domain.messages import TrackedMessage
from app.domain.tracking.parse import (
    Receipt,
    TrackingError,
    bad_request,
    parse_batch,
    parse_single,
    parse_typed,
)
from app.domain.tracking.spec import MODELS, request_schema
from app.entrypoints.deps import container_of
from app.entrypoints.tracking.body import load_object, read_body
from app.errors import Unavailable
from app.services.tracking.acceptance import Backpressure
from app.services.tracking.sources import Source

log = logging.getLogger(__name__)

router = APIRouter(prefix="/v1", tags=["tracking"])

SUCCESS = b'{"success":true}'
#: Backing services that do not answer: the tracker should retry (both SDKs retry 5xx).
UNAVAILABLE = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    redis.exceptions.BusyLoadingError,
    neo4j.exceptions.ServiceUnavailable,
    neo4j.exceptions.SessionExpired,
    Unavailable,
)
_UNAVAILABLE_RETRY_AFTER = 5

_ERROR_SCHEMA = {
    "type": "object",
    "required": ["success", "error", "code", "message"],
    "properties": {
        "success": {"const": False},
        "error": {"type": "string"},
        "code": {"type": "string"},
        "message": {"type": "string"},
    },
}
_SUCCESS_SCHEMA = {
    "type": "object",
    "required": ["success"],
    "properties": {"success": {"const": True}},
}


def _json(schema: Mapping[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


RESPONSES: dict[int | str, dict[str, Any]] = {
    200: _json(_SUCCESS_SCHEMA, "Accepted (appended durably, or a duplicate messageId)"),
    400: _json(_ERROR_SCHEMA, "Malformed JSON or a message that breaks the spec"),
    401: _json(_ERROR_SCHEMA, "Missing or unknown write key"),
    413: _json(_ERROR_SCHEMA, "Message over 32 KB or body over 500 KB (decoded)"),
    415: _json(_ERROR_SCHEMA, "Content-Encoding other than gzip, deflate or identity"),
    429: _json(_ERROR_SCHEMA, "Ingestion backlog full; see Retry-After"),
    503: _json(_ERROR_SCHEMA, "A backing service does not answer; see Retry-After"),
}


def error_response(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    body = {"success": False, "error": message, "code": code, "message": message}
    return JSONResponse(body, status_code=status, headers=dict(headers or {}))


def basic_write_key(authorization: str | None) -> str | None:
    """The write key from `Authorization: Basic base64(key:)`; the colon is optional."""
    if not authorization:
        return None
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() != "basic":
        return None  # e.g. Segment's OAuth Bearer: the write key is then in the body
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except ValueError as exc:  # not base64 (binascii.Error), not ASCII, not UTF-8
        raise TrackingError(
            401, "unauthorized", "Authorization: malformed Basic credentials"
        ) from exc
    return decoded.partition(":")[0] or None


async def authenticate(container: Container, write_key: Any) -> Source:
    """The source of this workspace owning the write key; 401 when it is missing or unknown
    (a key of another workspace is unknown here)."""
    if not isinstance(write_key, str) or not write_key:
        raise TrackingError(
            401, "unauthorized", "write key: missing (HTTP Basic user name or body writeKey)"
        )
    source = await container.sources.authenticate(write_key)
    if source is None:
        raise TrackingError(401, "unauthorized", "write key: unknown")
    return source


async def handle(request: Request, kind: str) -> Response:
    """Authenticate, read, validate everything, append once; answer as Segment does."""
    return await _answered(_accept(request, kind))


async def _accept(request: Request, kind: str) -> Response:
    received_at = time.time()
    container = container_of(request)
    headers = request.headers
    header_key = basic_write_key(headers.get("authorization"))
    source = await authenticate(container, header_key) if header_key else None
    raw = await read_body(
        request.stream(), headers.get("content-encoding"), headers.get("content-length")
    )
    data = load_object(raw)
    if source is None:
        source = await authenticate(container, data.get("writeKey"))
    await take(container, source, kind, data, received_at)
    return Response(SUCCESS, media_type="application/json")


async def take(
    container: Container, source: Source, kind: str, data: Mapping[str, Any], received_at: float
) -> list[TrackedMessage]:
    """Validate a call's body (`kind` "batch": every message or none) and append it in one
    step; the messages as appended (a replayed messageId is accepted, appended once)."""
    receipt = Receipt(source.id, received_at, container.settings.timestamp_horizon_days)
    if kind == "batch":
        messages = parse_batch(data, receipt)
    else:
        messages = [parse_single(kind, data, receipt)]
    await container.acceptance.accept(source, messages)
    return messages


@dataclass(frozen=True)
class Refusal:
    """What the tracking API answers instead of accepting: status, code and message of the
    error body, and the seconds of `Retry-After` for what is worth retrying."""

    status: int
    code: str
    message: str
    retry_after: int | None = None


def refusal_of(exc: BaseException) -> Refusal | None:
    """The answer to an exception raised while accepting a call; None for a bug (a 500)."""
    if isinstance(exc, TrackingError):
        return Refusal(exc.status, exc.code, exc.message)
    if isinstance(exc, Backpressure):
        return Refusal(429, "rate_limited", str(exc), exc.retry_after)
    if isinstance(exc, ClientDisconnect):
        gone = bad_request("body: the client disconnected before sending it all")
        return Refusal(gone.status, gone.code, gone.message)
    if isinstance(exc, UNAVAILABLE):
        log.warning(
            "tracking refused: backing service unavailable", extra={"error": type(exc).__name__}
        )
        message = "storage unavailable; retry later"
        return Refusal(503, "unavailable", message, _UNAVAILABLE_RETRY_AFTER)
    return None


async def _answered(work: Awaitable[Response]) -> Response:
    """The answer of `work`, or the shared error body for what the tracking API refuses."""
    try:
        return await work
    except Exception as exc:
        refusal = refusal_of(exc)
        if refusal is None:
            raise
        retry = {} if refusal.retry_after is None else {"Retry-After": str(refusal.retry_after)}
        return error_response(refusal.status, refusal.code, refusal.message, retry)


async def _project_settings(request: Request, write_key: str) -> Response:
    container = container_of(request)
    await authenticate(container, write_key)
    base = request.base_url  # scheme://host[:port]/<root path>/ as the browser reached us
    segmentio = {
        "apiKey": write_key,  # analytics.js sends it back as `writeKey`; it is public anyway
        "apiHost": f"{base.netloc}{base.path.rstrip('/')}{router.prefix}",
        "protocol": base.scheme,
    }
    body = {
        "integrations": {"Segment.io": segmentio},
        "metrics": {"sampleRate": 0},  # no usage metrics posted to <apiHost>/m
        "remotePlugins": [],
    }
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


async def project_settings(request: Request, write_key: str) -> Response:
    """What analytics.js fetches from `<cdnURL>/v1/projects/<writeKey>/settings` before it
    sends anything: only the Segment.io destination, pointed back at this API. The write key
    must be known (401 otherwise, as for the calls themselves)."""
    return await _answered(_project_settings(request, write_key))


def _endpoint(kind: str) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        return await handle(request, kind)

    return endpoint


for _kind in MODELS:
    router.add_api_route(
        f"/{_kind}",
        _endpoint(_kind),
        methods=["POST"],
        name=f"tracking_{_kind}",
        summary=f"Segment {_kind} call",
        response_model=None,
        responses=RESPONSES,
        openapi_extra={"requestBody": request_schema(_kind)},
    )
for _path, _name in (("/batch", "tracking_batch"), ("/import", "tracking_import")):
    router.add_api_route(
        _path,
        _endpoint("batch"),
        methods=["POST"],
        name=_name,
        summary="Segment batch of calls (all accepted or none)",
        response_model=None,
        responses=RESPONSES,
        openapi_extra={"requestBody": request_schema("batch")},
    )

#: analytics.js posts to `<apiHost>/` + the first letter of the call's type, or `/b` in batches.
SHORT_PATHS = {
    "t": "track",
    "p": "page",
    "i": "identify",
    "g": "group",
    "a": "alias",
    "s": "screen",
    "b": "batch",
}
for _short, _kind in SHORT_PATHS.items():
    router.add_api_route(
        f"/{_short}",
        _endpoint(_kind),
        methods=["POST"],
        name=f"tracking_{_kind}_short",
        include_in_schema=False,  # same handler and body as /v1/<kind>, documented there
    )
router.add_api_route(
    "/projects/{write_key}/settings",
    project_settings,
    methods=["GET"],
    name="tracking_project_settings",
    include_in_schema=False,
)


async def _accept_from_plugin(request: Request, kind: str) -> Response:
    """A source plugin's format: the plugin turns the body into Segment messages, which are
    then validated and accepted like any others (all or none)."""
    received_at = time.time()
    container = container_of(request)
    plugin = container.destinations.plugins.sources.get(kind)
    if plugin is None:
        raise TrackingError(404, "not_found", f"source format: no plugin named {kind[:40]!r}")
    source = await authenticate(container, basic_write_key(request.headers.get("authorization")))
    raw = await read_body(
        request.stream(),
        request.headers.get("content-encoding"),
        request.headers.get("content-length"),
    )
    try:
        items = plugin.parse(raw, dict(request.headers))
    except ValueError as exc:
        raise bad_request(f"{kind}: {exc}") from None
    except Exception as exc:  # a plugin's bug must not become a 500 for the sender
        log.error("source plugin %s failed: %s", kind, type(exc).__name__)
        raise bad_request(f"{kind}: the body could not be read ({type(exc).__name__})") from None
    if not isinstance(items, list):
        raise bad_request(f"{kind}: the plugin returned no list of messages")
    receipt = Receipt(source.id, received_at, container.settings.timestamp_horizon_days)
    messages = [parse_typed(item, receipt, f"{kind}[{n}]") for n, item in enumerate(items)]
    await container.acceptance.accept(source, messages)
    return Response(SUCCESS, media_type="application/json")


async def plugin_source(request: Request, kind: str) -> Response:
    """`POST /v1/sources/<kind>`: a payload in a format a source plugin understands."""
    return await _answered(_accept_from_plugin(request, kind))


router.add_api_route(
    "/sources/{kind}",
    plugin_source,
    methods=["POST"],
    name="tracking_plugin_source",
    summary="A payload in a source plugin's format (HTTP Basic write key)",
    response_model=None,
    responses={**RESPONSES, 404: _json(_ERROR_SCHEMA, "No source plugin of that kind")},
)
