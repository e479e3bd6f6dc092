"""The API over real HTTP: liveness, readiness, metrics and the GraphQL health query."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.integration


async def test_healthz_and_readyz(api_url: str) -> None:
    async with httpx.AsyncClient(base_url=api_url) as client:
        alive = await client.get("/healthz")
        ready = await client.get("/readyz")
    assert alive.json() == {"status": "alive"}
    assert ready.status_code == 200
    assert ready.json() == {"ready": True, "neo4j": True, "valkey": True}


async def test_metrics_are_prometheus_text(api_url: str) -> None:
    async with httpx.AsyncClient(base_url=api_url) as client:
        await client.get("/healthz")
        response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert 'cdp_http_requests_total{route="/healthz",status="200"}' in response.text


async def test_graphql_health_needs_no_credentials(api_url: str) -> None:
    async with httpx.AsyncClient(base_url=api_url) as client:
        response = await client.post(
            "/graphql", json={"query": "{ health { status neo4j valkey version } }"}
        )
    assert response.status_code == 200
    health = response.json()["data"]["health"]
    assert health == {"status": "ok", "neo4j": True, "valkey": True, "version": "0.1.0"}


async def test_graphql_rejects_a_malformed_query_with_a_clear_error(api_url: str) -> None:
    async with httpx.AsyncClient(base_url=api_url) as client:
        response = await client.post("/graphql", json={"query": "{ health { nope } }"})
    assert response.status_code == 200 or 400 <= response.status_code < 500
    errors = response.json()["errors"]
    assert "nope" in errors[0]["message"]
