"""The trackers' GraphQL schema apart from any server: what it holds, what its inputs become,
and what production closes (as for the analysts' schema)."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import httpx
import pytest
from graphql import parse, validate
from pydantic import SecretStr
from strawberry import ID
from strawberry.scalars import JSON

from app.bootstrap import Container
from app.entrypoints.api import create_app
from app.entrypoints.gql.export_sdl import TRACKING_SDL_PATH
from app.entrypoints.tracking.gql_inputs import (
    BatchMessageInput,
    GroupInput,
    TrackInput,
    segment_body,
)
from app.entrypoints.tracking.gql_schema import build_tracking_schema
from app.settings import Settings

OPERATIONS = TRACKING_SDL_PATH.parent / "operations" / "tracking" / "Calls.graphql"
DOCS = Path(__file__).resolve().parents[3] / "docs" / "tracking.md"


def test_inputs_become_the_body_v1_would_get() -> None:
    track = TrackInput(userId=ID("u-1"), event="Signed Up", properties=JSON({"plan": "pro"}))
    assert segment_body(track) == {
        "userId": "u-1",
        "event": "Signed Up",
        "properties": {"plan": "pro"},
    }
    group = GroupInput(anonymousId=ID("a-1"), groupId=ID("acme"), traits=None)
    assert segment_body(BatchMessageInput(group=group)) == {
        "type": "group",
        "anonymousId": "a-1",
        "groupId": "acme",
    }


def test_the_schema_holds_the_calls_and_nothing_of_the_analysts() -> None:
    schema = build_tracking_schema()._schema
    mutation = schema.mutation_type
    assert mutation is not None
    assert set(mutation.fields) == {
        "identify",
        "track",
        "page",
        "screen",
        "group",
        "alias",
        "batch",
    }
    assert schema.subscription_type is None
    for analysts in ("Profile", "Segment", "SourceType", "Ingestion", "Health"):
        assert analysts not in schema.type_map


def test_the_committed_operations_validate() -> None:
    schema = build_tracking_schema()._schema
    assert not validate(schema, parse(OPERATIONS.read_text(encoding="utf-8")))


def test_the_documented_example_validates() -> None:
    """The GraphQL block of docs/tracking.md's section "GraphQL for trackers"."""
    section = DOCS.read_text(encoding="utf-8").split("## GraphQL for trackers", 1)[1]
    blocks = re.findall(r"```graphql\n(.*?)```", section, re.S)
    assert blocks
    schema = build_tracking_schema()._schema
    for block in blocks:
        errors = validate(schema, parse(block))
        assert not errors, [e.message for e in errors]


async def test_production_refuses_introspection_and_gives_no_suggestions() -> None:
    production = build_tracking_schema(introspection=False)
    development = build_tracking_schema()
    query = "{ __schema { types { name } } }"
    refused = await production.execute(query)
    assert refused.errors and "introspection" in refused.errors[0].message.lower()
    assert (await development.execute(query)).errors is None
    typo = "{ limit { bodyBytes } }"
    hidden = await production.execute(typo)
    shown = await development.execute(typo)
    assert hidden.errors and "Did you mean" not in hidden.errors[0].message
    assert shown.errors and "Did you mean" in shown.errors[0].message


def _production() -> Settings:
    secrets: dict[str, Any] = {
        "admin_api_key": SecretStr("a" * 40),
        "default_write_key": SecretStr("w" * 40),
        "hmac_keys": SecretStr("k2:" + "QUJD" * 12),
        "kek": SecretStr("S0VL" * 11),
        "outbound_secrets": SecretStr("s" * 40),
    }
    return Settings(
        env="production",
        neo4j_uri="neo4j://db.internal:7687",
        neo4j_password=SecretStr("a-long-real-password"),
        **secrets,
    )


async def _get(settings: Settings, **params: str) -> httpx.Response:
    app = create_app(settings)  # no lifespan: nothing here reaches the container
    # Only /v1's CORS reads the container, for its settings.
    app.state.container = cast(Container, SimpleNamespace(settings=settings))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://cdp") as client:
        return await client.get("/v1/graphql", params=params, headers={"Accept": "text/html"})


@pytest.mark.parametrize(("production", "status"), [(False, 200), (True, 404)])
async def test_graphiql_is_served_in_development_only(production: bool, status: int) -> None:
    settings = _production() if production else Settings(env="development")
    page = await _get(settings)
    assert page.status_code == status
    if production:
        assert page.json()["code"] == "not_found"  # /v1's error body
    else:
        assert "graphiql" in page.text.lower()


async def test_get_takes_queries_but_no_mutations() -> None:
    settings = Settings(env="development")
    limits = await _get(settings, query="{ limits { bodyBytes messageBytes batchMessages } }")
    assert limits.json() == {
        "data": {"limits": {"bodyBytes": 512_000, "messageBytes": 32_768, "batchMessages": 10_000}}
    }
    mutation = 'mutation { track(message: {userId: "u", event: "E"}) { __typename } }'
    refused = await _get(settings, query=mutation)
    assert refused.status_code == 400
    assert refused.json()["message"] == "mutations are not allowed when using GET"


async def test_a_document_has_the_analysts_limits() -> None:
    schema = build_tracking_schema()
    aliases = " ".join(f"l{n}: limits {{ bodyBytes }}" for n in range(31))
    refused = await schema.execute(f"{{ {aliases} }}")
    assert refused.errors and "aliases" in refused.errors[0].message
    tokens = "{ limits { " + "bodyBytes " * 4001 + "} }"
    too_long = await schema.execute(tokens)
    assert too_long.errors and "token" in too_long.errors[0].message.lower()
