"""Operations endpoints: liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from redis.exceptions import RedisError

from app.entrypoints.deps import ContainerDep, container_of
from app.entrypoints.health import check_readiness
from app.metrics import INGESTION
from app.settings import Settings

router = APIRouter()


def metrics_refusal(settings: Settings, authorization: str | None) -> tuple[int, str] | None:
    """Why /metrics is not answered (status, message), or None when it is."""
    token = settings.metrics_token
    if token is None:
        if settings.is_development:
            return None
        return 404, "metrics are served only with CDP_METRICS_TOKEN set"
    scheme, _, offered = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        offered.strip().encode(), token.get_secret_value().encode()
    ):
        return 401, "metrics: a bearer token is required"
    return None


@router.get("/healthz", tags=["ops"])
async def healthz() -> dict[str, str]:
    """Alive: the process answers (says nothing about Neo4j or Valkey)."""
    return {"status": "alive"}


@router.get("/readyz", tags=["ops"])
async def readyz(container: ContainerDep) -> JSONResponse:
    """Ready: Neo4j and Valkey both answer; 503 otherwise."""
    readiness = await check_readiness(container)
    body = {"ready": readiness.ready, "neo4j": readiness.neo4j, "valkey": readiness.valkey}
    return JSONResponse(body, status_code=200 if readiness.ready else 503)


@router.get("/metrics", tags=["ops"])
async def metrics(request: Request) -> Response:
    """Prometheus text; pipeline counters (lag, merges, conflicts...) come from Valkey.
    With CDP_METRICS_TOKEN set, only a scraper sending it as a bearer token is answered;
    production without it does not serve metrics at all."""
    settings: Settings = request.app.state.settings
    refused = metrics_refusal(settings, request.headers.get("authorization"))
    if refused is not None:
        return JSONResponse({"error": refused[1]}, status_code=refused[0])
    try:
        stats = await container_of(request).stream.stats()
    except (RedisError, OSError):
        stats = {}
    for name, value in stats.items():
        INGESTION.labels(name).set(value)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
