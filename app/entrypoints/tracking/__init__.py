"""Segment's HTTP Tracking API, to the letter, so the SDKs work unchanged.

`install(app, settings)` adds the routes and the trackers' GraphQL endpoint (/v1/graphql, the
same calls as mutations: gql_http.py), makes every error under /v1/ share the tracking error
body, including FastAPI's own 404, 405 and 422 answers, and answers browsers' CORS requests
under /v1/ only (analytics.js runs on the site's origin, the API on another); other paths keep
FastAPI's defaults and no CORS.
"""

from __future__ import annotations

from fastapi import FastAPI, Request, Response
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from app.entrypoints.tracking.gql_http import install_graphql
from app.entrypoints.tracking.routes import error_response, router
from app.settings import Settings

__all__ = ["TrackingCors", "install", "router"]

_PREFIX = "/v1/"
#: Chromium caps a cached preflight at 2 hours; analytics.js preflights every call because it
#: sends `Authorization`, so caching saves a round trip per event.
PREFLIGHT_MAX_AGE = 7200


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if not request.url.path.startswith(_PREFIX):
        return await http_exception_handler(request, exc)
    code = "not_found" if exc.status_code == 404 else f"http_{exc.status_code}"
    return error_response(exc.status_code, code, str(exc.detail), exc.headers)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if not request.url.path.startswith(_PREFIX):
        return await request_validation_exception_handler(request, exc)
    return error_response(400, "invalid_request", "request: does not match the API")


class TrackingCors:
    """Starlette's CORS middleware for /v1/* only, allowing CDP_TRACKING_CORS_ORIGINS.

    The origins are read from the settings of the app's container, so the middleware is built
    on the first /v1/ request, after the lifespan has started. No credentials (cookies) are
    allowed: the write key is the authentication. `Retry-After` is exposed because analytics.js
    reads it on a 429.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._cors: CORSMiddleware | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope["path"]).startswith(_PREFIX):
            await self.app(scope, receive, send)
            return
        await self._middleware(scope)(scope, receive, send)

    def _middleware(self, scope: Scope) -> ASGIApp:
        if self._cors is None:
            container = getattr(scope["app"].state, "container", None)
            if container is None:  # not started: no CORS headers rather than a guess
                return self.app
            self._cors = CORSMiddleware(
                self.app,
                allow_origins=container.settings.tracking_cors_origins,
                allow_methods=["GET", "POST"],
                allow_headers=["*"],
                expose_headers=["Retry-After"],
                max_age=PREFLIGHT_MAX_AGE,
            )
        return self._cors


def install(app: FastAPI, settings: Settings) -> None:
    """Add the tracking routes and the trackers' GraphQL endpoint (/v1/graphql), their
    uniform error body and their CORS to the app."""
    app.include_router(router)
    install_graphql(app, settings)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_middleware(TrackingCors)  # last: outside /v1/graphql's body reading
