"""The FastAPI application: health, readiness, metrics and GraphQL."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from redis.exceptions import RedisError
from starlette.requests import HTTPConnection
from starlette.routing import Match
from strawberry.fastapi import GraphQLRouter

from app.bootstrap import Container, build_container
from app.entrypoints.gql.context import Context
from app.entrypoints.gql.schema import build_schema
from app.entrypoints.health import check_readiness
from app.entrypoints.tracking import install as install_tracking
from app.logs import configure_logging
from app.metrics import HTTP_LATENCY, HTTP_REQUESTS, INGESTION
from app.settings import Settings, load_settings

log = logging.getLogger(__name__)


def _route_name(request: Request) -> str:
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match == Match.FULL:
            return str(getattr(route, "path", "other"))
    return "unmatched"


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; connections are made in the lifespan, not here."""
    settings = settings or load_settings()

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

    app = FastAPI(title="graph-cdp", version="0.1.0", lifespan=lifespan)

    def container_of(request: HTTPConnection) -> Container:
        container: Container = request.app.state.container
        return container

    async def graphql_context(connection: HTTPConnection) -> Context:
        """For HTTP requests and WebSocket subscriptions alike."""
        return Context(container_of(connection))

    app.include_router(
        GraphQLRouter(
            build_schema(
                count_queries=settings.is_development,
                time_limit=settings.graphql_time_limit_seconds,
            ),
            context_getter=graphql_context,
            graphql_ide="graphiql" if settings.is_development else None,
        ),
        prefix="/graphql",
    )
    install_tracking(app)

    @app.middleware("http")
    async def measure(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        route = _route_name(request)
        response = await call_next(request)
        HTTP_LATENCY.labels(route).observe(time.perf_counter() - started)
        HTTP_REQUESTS.labels(route, str(response.status_code)).inc()
        return response

    @app.get("/healthz", tags=["ops"])
    async def healthz() -> dict[str, str]:
        """Alive: the process answers (says nothing about Neo4j or Valkey)."""
        return {"status": "alive"}

    @app.get("/readyz", tags=["ops"])
    async def readyz(request: Request) -> JSONResponse:
        """Ready: Neo4j and Valkey both answer; 503 otherwise."""
        readiness = await check_readiness(container_of(request))
        body = {"ready": readiness.ready, "neo4j": readiness.neo4j, "valkey": readiness.valkey}
        return JSONResponse(body, status_code=200 if readiness.ready else 503)

    @app.get("/metrics", tags=["ops"])
    async def metrics(request: Request) -> Response:
        """Prometheus text; pipeline counters (lag, merges, conflicts...) come from Valkey."""
        try:
            stats = await container_of(request).stream.stats()
        except (RedisError, OSError):
            stats = {}
        for name, value in stats.items():
            INGESTION.labels(name).set(value)
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return app
