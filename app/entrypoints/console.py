"""The web console (console/, built into console/dist) served at /console.

Same origin as /graphql, so the console needs no CORS; its pages only call the public GraphQL
API with the API key its user signs in with. The files are static: served with a strict
content security policy (scripts from this origin only, no framing), and without a build an
answer that says how to make one.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse, RedirectResponse
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from app.settings import Settings

#: console/dist of the source tree (app/entrypoints/console.py -> the repository's root).
SOURCE_BUILD = Path(__file__).resolve().parents[2] / "console" / "dist"
NOT_BUILT = (
    "The console is not built: run `make console` (needs Node.js and npm), "
    "or set CDP_CONSOLE_DIR to a built console."
)
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
        "form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


class ConsoleFiles(StaticFiles):
    """The built files; index.html is never cached (it names the hashed assets of a build)."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers.update(HEADERS)
        if path in (".", "", "index.html"):
            response.headers["Cache-Control"] = "no-cache"
        return response


def console_dir(settings: Settings) -> Path:
    return settings.console_dir or SOURCE_BUILD


def install(app: FastAPI, settings: Settings) -> None:
    """Serve the console at /console/ (and /console redirects there)."""
    built = console_dir(settings)

    @app.get("/console", include_in_schema=False)
    async def console_root() -> Response:
        return RedirectResponse("/console/", status_code=308)

    if (built / "index.html").is_file():
        app.mount("/console/", ConsoleFiles(directory=built, html=True), name="console")
        return

    @app.get("/console/{path:path}", include_in_schema=False)
    async def console_missing(path: str) -> Response:
        return PlainTextResponse(NOT_BUILT, status_code=404)
