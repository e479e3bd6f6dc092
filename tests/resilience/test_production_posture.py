"""What production closes: introspection, suggestions, API description pages, open metrics,
and weak Neo4j passwords."""

from __future__ import annotations

import httpx
import pytest
from pydantic import SecretStr, ValidationError

from app.bootstrap import Container
from app.entrypoints.api import create_app
from app.entrypoints.gql.schema import build_schema
from app.settings import Settings

REAL_SECRETS = {
    "admin_api_key": SecretStr("a" * 40),
    "default_write_key": SecretStr("w" * 40),
    "hmac_keys": SecretStr("k2:" + "QUJD" * 12),
    "kek": SecretStr("S0VL" * 11),
    "outbound_secrets": SecretStr("s" * 40),
}


def _production(**extra: object) -> Settings:
    return Settings(
        env="production",
        neo4j_uri="neo4j://db.internal:7687",
        neo4j_password=SecretStr("a-long-real-password"),
        **REAL_SECRETS,  # type: ignore[arg-type]
        **extra,  # type: ignore[arg-type]
    )


async def _get(
    settings: Settings, path: str, container: Container | None = None, **headers: str
) -> httpx.Response:
    app = create_app(settings)  # no lifespan: only /metrics needs the container
    if container is not None:
        app.state.container = container
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://cdp") as client:
        return await client.get(path, headers=headers)


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/openapi.json"])
async def test_production_publishes_no_api_description(path: str) -> None:
    assert (await _get(_production(), path)).status_code == 404
    development = Settings(env="development")
    assert (await _get(development, path)).status_code == 200


@pytest.mark.integration
async def test_production_serves_metrics_only_to_a_scraper_with_the_token(
    container: Container,
) -> None:
    closed = await _get(_production(), "/metrics", container)
    assert closed.status_code == 404
    guarded = _production(metrics_token=SecretStr("scrape-" + "x" * 30))
    assert (await _get(guarded, "/metrics", container)).status_code == 401
    wrong = await _get(guarded, "/metrics", container, authorization="Bearer nope")
    assert wrong.status_code == 401
    right = await _get(guarded, "/metrics", container, authorization="Bearer scrape-" + "x" * 30)
    assert right.status_code == 200 and "cdp_" in right.text


async def test_production_schema_refuses_introspection_and_gives_no_suggestions() -> None:
    production = build_schema(introspection=False)
    development = build_schema()
    query = "{ __schema { types { name } } }"
    refused = await production.execute(query)
    assert refused.errors and "introspection" in refused.errors[0].message.lower()
    assert (await development.execute(query)).errors is None
    typo = "{ helth { status } }"
    hidden = await production.execute(typo)
    shown = await development.execute(typo)
    assert hidden.errors and "Did you mean" not in hidden.errors[0].message
    assert shown.errors and "Did you mean" in shown.errors[0].message


@pytest.mark.parametrize("password", [None, "neo4j", "password", "change-me-please"])
def test_production_refuses_a_default_neo4j_password(password: str | None) -> None:
    with pytest.raises(ValidationError, match="NEO4J_PASSWORD"):
        Settings(
            env="production",
            neo4j_uri="neo4j://db.internal:7687",
            neo4j_password=SecretStr(password) if password is not None else None,
            **REAL_SECRETS,  # type: ignore[arg-type]
        )
