"""/v1/graphql's HTTP side with real requests: bodies read as /v1 reads them, nesting, the
batch cap, back-pressure, CORS, and no WebSocket."""

from __future__ import annotations

import gzip
import json
from typing import Any

import httpx
import orjson
import pytest
import websockets

from app.bootstrap import Container
from app.domain.json_depth import DEPTH_LIMIT, nesting_depth
from app.entrypoints.api import create_app
from app.settings import Settings
from tests.integration.test_tracking_graphql import (
    OPERATIONS,
    accepted_count,
    call,
    same_refusal,
    v1_refusal,
)
from tests.integration.test_tracking_http import CALLS, basic

pytestmark = pytest.mark.integration


async def test_bodies_are_read_as_v1_reads_them(api_url: str, container: Container) -> None:
    """Gzip inflated, 500 KB at most once decoded, JSON refused as /v1 refuses it."""
    key = (await container.sources.create("web")).write_key
    request = {
        "query": OPERATIONS,
        "operationName": "Track",
        "variables": {"message": CALLS["track"]},
    }
    huge = {**request, "variables": {"message": {**CALLS["track"], "x": "y" * 600_000}}}
    async with httpx.AsyncClient(base_url=api_url, headers=basic(key)) as client:
        zipped = await client.post(
            "/v1/graphql",
            content=gzip.compress(orjson.dumps(request)),
            headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
        )
        too_large = await client.post("/v1/graphql", json=huge)
        bomb = await client.post(
            "/v1/graphql",
            content=gzip.compress(orjson.dumps(huge)),
            headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
        )
        brotli = await client.post("/v1/graphql", content=b"{}", headers={"Content-Encoding": "br"})
        malformed = await client.post("/v1/graphql", content=b'{"query": ')
        v1_malformed = await client.post("/v1/track", content=b'{"query": ')
        no_query = await client.post("/v1/graphql", json={"variables": {}})
    assert zipped.json()["data"]["track"]["__typename"] == "Accepted"
    for response, status, code in (
        (too_large, 413, "payload_too_large"),
        (bomb, 413, "payload_too_large"),
        (brotli, 415, "unsupported_encoding"),
        (malformed, 400, "invalid_request"),
        (no_query, 400, "invalid_request"),
    ):
        assert response.status_code == status, response.text
        body = response.json()
        assert set(body) == {"success", "error", "code", "message"} and body["code"] == code
    assert malformed.json() == v1_malformed.json()
    assert await accepted_count(container) == 1


async def test_backpressure_is_a_throttled_answer_with_retry_after(
    container: Container, settings: Settings
) -> None:
    key = (await container.sources.create("web")).write_key
    app = create_app(settings.model_copy(update={"stream_bound": 1}))
    request = {
        "query": OPERATIONS,
        "operationName": "Track",
        "variables": {"message": CALLS["track"]},
    }
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://cdp", headers=basic(key)
        ) as client,
    ):
        accepted = await client.post("/v1/graphql", json=request)
        refused = await client.post("/v1/graphql", json=request)
        v1 = await client.post("/v1/track", json=CALLS["track"])
    assert accepted.json()["data"]["track"]["__typename"] == "Accepted"
    answer = refused.json()["data"]["track"]
    assert refused.status_code == 200
    assert answer == {
        "__typename": "Throttled",
        "code": "rate_limited",
        "message": v1.json()["message"],
        "status": v1.status_code,
        "retryAfter": settings.retry_after_seconds,
    }
    assert refused.headers["Retry-After"] == v1.headers["Retry-After"]
    assert await accepted_count(container) == 1


async def test_cors_is_the_one_of_v1(api_url: str, container: Container) -> None:
    key = (await container.sources.create("web")).write_key
    origin = {"Origin": "http://shop.example"}
    request = {
        "query": OPERATIONS,
        "operationName": "Track",
        "variables": {"message": CALLS["track"]},
    }
    async with httpx.AsyncClient(base_url=api_url, headers=origin) as client:
        preflights = [
            await client.options(
                path,
                headers={
                    "Access-Control-Request-Method": "POST",
                    "Access-Control-Request-Headers": "authorization,content-type",
                },
            )
            for path in ("/v1/graphql", "/v1/track")
        ]
        answer = await client.post("/v1/graphql", json=request, headers=basic(key))
        refused = await client.post("/v1/graphql", content=b"[", headers=basic(key))
    ours, v1 = preflights
    assert ours.status_code == v1.status_code == 200
    for name in (
        "access-control-allow-origin",
        "access-control-allow-methods",
        "access-control-allow-headers",
        "access-control-max-age",
    ):
        assert ours.headers[name] == v1.headers[name], name
    assert "access-control-allow-credentials" not in ours.headers
    for response in (answer, refused):
        assert response.headers["access-control-allow-origin"] == "*"
        assert response.headers["access-control-expose-headers"] == "Retry-After"
    assert answer.json()["data"]["track"]["__typename"] == "Accepted"


def _nested(levels: int) -> dict[str, Any]:
    """An object nested `levels` deep."""
    value: dict[str, Any] = {}
    for _ in range(levels - 1):
        value = {"a": value}
    return value


async def test_messages_nest_as_deep_as_on_v1(api_url: str, container: Container) -> None:
    """A message of 64 levels is taken, one of 65 refused by /v1's check; the body around it
    adds four levels (a batch's), past which a body is refused before GraphQL runs."""
    key = (await container.sources.create("web")).write_key
    deepest = {"userId": "u-1", "event": "E", "properties": _nested(63)}
    too_deep = {**deepest, "properties": _nested(64)}
    assert nesting_depth(deepest) == DEPTH_LIMIT
    single = await call(api_url, "track", {"message": deepest}, key)
    in_batch = await call(api_url, "batch", {"batch": [{"track": deepest}]}, key)
    refused = await call(api_url, "track", {"message": too_deep}, key)
    v1 = await v1_refusal(api_url, "/v1/track", too_deep, key)
    assert (single["__typename"], in_batch["__typename"]) == ("Accepted", "Accepted")
    same_refusal(refused, v1, "InvalidMessage")
    assert refused["message"] == "message: nested more than 64 levels deep"
    body = {
        "query": OPERATIONS,
        "operationName": "Batch",
        "variables": {"batch": [{"track": too_deep}]},
    }
    async with httpx.AsyncClient(base_url=api_url, headers=basic(key)) as client:
        past = await client.post("/v1/graphql", json=body)
    assert past.status_code == 400
    assert past.json()["message"] == "Unable to parse request JSON: nested more than 68 levels deep"
    assert await accepted_count(container) == 2


async def test_a_batch_of_more_than_10000_messages_is_refused_as_on_v1(
    api_url: str, container: Container
) -> None:
    key = (await container.sources.create("web")).write_key
    message = {"userId": 1, "event": "E"}
    answer = await call(api_url, "batch", {"batch": [{"track": message}] * 10_001}, key)
    v1 = await v1_refusal(
        api_url, "/v1/batch", {"batch": [{"type": "track", **message}] * 10_001}, key
    )
    same_refusal(answer, v1, "InvalidMessage")
    assert (answer["status"], answer["message"]) == (413, "batch: more than 10000 messages")
    assert await accepted_count(container) == 0


async def test_there_is_no_websocket_and_other_methods_get_v1s_error_body(api_url: str) -> None:
    url = api_url.replace("http://", "ws://") + "/v1/graphql"
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await ws.send(json.dumps({"type": "connection_init"}))
            await ws.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4406
    async with httpx.AsyncClient(base_url=api_url) as client:
        put = await client.put("/v1/graphql", json={})
    assert put.status_code == 405 and put.json()["code"] == "http_405"
