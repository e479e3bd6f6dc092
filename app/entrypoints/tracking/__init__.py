"""Segment's HTTP Tracking API, to the letter, so the SDKs work unchanged.

`install(app)` adds the routes and makes every error under /v1/ share the tracking error body,
including FastAPI's own 404, 405 and 422 answers; other paths keep FastAPI's defaults.
"""

from __future__ import annotations

from fastapi import FastAPI, Request, Response
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.entrypoints.tracking.routes import error_response, router

__all__ = ["install", "router"]

_PREFIX = "/v1/"


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


def install(app: FastAPI) -> None:
    """Add the tracking routes and their uniform error body to the app."""
    app.include_router(router)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
