"""The FastAPI application: health, readiness, metrics, GraphQL and the console."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI, Request, Response
from starlette.requests import HTTPConnection
from starlette.routing import Match

from app.bootstrap import build_container
from app.entrypoints import console
from app.entrypoints.body_limit import BodyLimit
from app.entrypoints.deps import container_of
from app.entrypoints.gql.context import Context
from app.entrypoints.gql.router import BoundedGraphQLRouter
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
        BoundedGraphQLRouter[Context](
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
    install_tracking(app, settings)
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
    console.install(app, settings)
    # The settings this app was built with (its container may be shared, as in tests).
    app.state.settings = settings

    return app
