"""The FastAPI application: health, readiness, metrics and GraphQL."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import orjson
from cross_web import HTTPException
from fastapi import FastAPI, Request, Response
from starlette.requests import HTTPConnection
from starlette.routing import Match
from strawberry.fastapi import GraphQLRouter

from app.bootstrap import build_container
from app.domain.json_depth import DEPTH_LIMIT, json_problem, nesting_depth
from app.entrypoints.body_limit import BodyLimit
from app.entrypoints.deps import container_of
from app.entrypoints.gql.context import Context
from app.entrypoints.gql.schema import build_schema
from app.entrypoints.ops import router as ops_router
from app.entrypoints.tracking import install as install_tracking
from app.logs import configure_logging
from app.metrics import HTTP_LATENCY, HTTP_REQUESTS
from app.settings import Settings, load_settings

log = logging.getLogger(__name__)


def _route_name(request: Request) -> str:
    """The path template of the route that answered (set in the scope by the routing, also
    for routes of included routers), so that metrics never carry ids from a path."""
    route = request.scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    for candidate in request.app.router.routes:
        match, _ = candidate.matches(request.scope)
        if match == Match.FULL:
            return str(getattr(candidate, "path", "other"))
    return "unmatched"


class BoundedGraphQLRouter(GraphQLRouter[Context, None]):
    """Reads request JSON (bodies and GET variables) with the fast decoder, refusing what
    nests past the limit with a 400 rather than recursing into a 500, and saying what is
    wrong with a refused JSON text (never quoting it)."""

    def decode_json(self, data: str | bytes) -> object:
        decoded = orjson.loads(data)
        if nesting_depth(decoded) > DEPTH_LIMIT:
            # A decoding error: a 400 over HTTP, a refused message over a WebSocket.
            raise json.JSONDecodeError(f"nested more than {DEPTH_LIMIT} levels deep", "", 0)
        return decoded

    def parse_json(self, data: str | bytes) -> object:
        try:
            decoded = self.decode_json(data)
        except orjson.JSONDecodeError as exc:
            raise HTTPException(400, f"Unable to parse request JSON: {json_problem(exc)}") from exc
        except json.JSONDecodeError as exc:
            raise HTTPException(400, f"Unable to parse request JSON: {exc.msg}") from exc
        # A POST body (bytes; GET parameters arrive as text) that is a JSON string, number or
        # null: strawberry would look a query up in it and fail with a 500.
        if isinstance(data, bytes) and not isinstance(decoded, dict | list):
            raise HTTPException(400, "body: expected a JSON object (a GraphQL request)")
        return decoded


def _lifespan(settings: Settings) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Connections are made here, when the server starts, not when the app is built."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings.log_level, settings.log_json)
        container = await build_container(settings)
        try:
            await container.prepare_graph()
            await container.sources.ensure_default(settings.default_write_key.get_secret_value())
        except Exception:
            await container.close()
            raise
        app.state.container = container
        log.info("api started", extra={"workspace": settings.workspace})
        try:
            yield
        finally:
            await container.close()

    return lifespan


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; connections are made in the lifespan, not here."""
    settings = settings or load_settings()

    # Production publishes neither the API's description nor its interactive pages.
    dev = settings.is_development
    app = FastAPI(
        title="graph-cdp",
        version="0.1.0",
        lifespan=_lifespan(settings),
        docs_url="/docs" if dev else None,
        redoc_url="/redoc" if dev else None,
        openapi_url="/openapi.json" if dev else None,
    )

    async def graphql_context(connection: HTTPConnection) -> Context:
        """For HTTP requests and WebSocket subscriptions alike."""
        return Context(container_of(connection))

    app.include_router(
        BoundedGraphQLRouter(
            build_schema(
                count_queries=settings.is_development,
                time_limit=settings.graphql_time_limit_seconds,
                introspection=settings.is_development,
            ),
            context_getter=graphql_context,
            graphql_ide="graphiql" if settings.is_development else None,
        ),
        prefix="/graphql",
    )
    install_tracking(app)
    app.add_middleware(BodyLimit, prefix="/graphql", cap=settings.graphql_body_limit_bytes)

    @app.middleware("http")
    async def measure(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = _route_name(request)
        HTTP_LATENCY.labels(route).observe(time.perf_counter() - started)
        HTTP_REQUESTS.labels(route, str(response.status_code)).inc()
        return response

    app.include_router(ops_router)
    # The settings this app was built with (its container may be shared, as in tests).
    app.state.settings = settings

    return app
