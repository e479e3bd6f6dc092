"""The tracking API over real HTTP: Segment's answers, the bad-input matrix, back-pressure.
Fuzzing it is in test_tracking_http_fuzzing.py."""

from __future__ import annotations

import base64
import gzip
from typing import Any

import httpx
import orjson
import pytest

from app.bootstrap import Container
from app.entrypoints.api import create_app
from app.settings import Settings

pytestmark = pytest.mark.integration

PERSONAL = "jane.doe@example.com"
CALLS: dict[str, dict[str, Any]] = {
    "identify": {"userId": "u-1", "traits": {"email": PERSONAL}},
    "track": {"userId": "u-1", "event": "Signed Up", "properties": {"plan": "pro"}},
    "page": {"anonymousId": "a-1", "name": "Home", "category": "Docs"},
    "screen": {"anonymousId": "a-1", "name": "Settings"},
    "group": {"userId": "u-1", "groupId": "acme", "traits": {"employees": 420}},
    "alias": {"userId": "u-1", "previousId": "a-1"},
}


def basic(write_key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{write_key}:".encode()).decode()}


async def write_key(container: Container) -> str:
    """The write key of a new source."""
    return (await container.sources.create("web")).write_key


async def _pending(container: Container) -> int:
    return (await container.stream.stats()).get("pending", 0)


def _is_error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"success", "error", "code", "message"}
    assert body["success"] is False and body["error"] == body["message"]
    assert PERSONAL not in response.text
    return body


async def test_every_call_answers_exactly_as_segment_does(
    api_url: str, container: Container
) -> None:
    key = await write_key(container)
    async with httpx.AsyncClient(base_url=api_url, headers=basic(key)) as client:
        for kind, body in CALLS.items():
            response = await client.post(f"/v1/{kind}", json=body)
            assert response.status_code == 200, response.text
            assert response.json() == {"success": True}
            assert response.headers["content-type"] == "application/json"
        batch = {"batch": [{"type": kind, **body} for kind, body in CALLS.items()]}
        assert (await client.post("/v1/batch", json=batch)).json() == {"success": True}
        assert (await client.post("/v1/import", json=batch)).json() == {"success": True}
    stats = await container.stream.stats()
    assert (stats["accepted"], stats["pending"]) == (18, 18)


async def test_write_key_in_the_body_and_gzip_bodies_work(
    api_url: str, container: Container
) -> None:
    key = await write_key(container)
    async with httpx.AsyncClient(base_url=api_url) as client:
        in_body = await client.post("/v1/track", json={**CALLS["track"], "writeKey": key})
        packed = gzip.compress(orjson.dumps({"batch": [{"type": "track", **CALLS["track"]}]}))
        zipped = await client.post(
            "/v1/batch",
            content=packed,
            headers={**basic(key), "Content-Encoding": "gzip", "Content-Type": "application/json"},
        )
    assert (in_body.status_code, zipped.status_code) == (200, 200)
    assert (await container.stream.stats())["accepted"] == 2


async def test_a_retried_message_id_is_accepted_but_appended_once(
    api_url: str, container: Container
) -> None:
    key = await write_key(container)
    body = {**CALLS["track"], "messageId": "m-retried"}
    async with httpx.AsyncClient(base_url=api_url, headers=basic(key)) as client:
        first = await client.post("/v1/track", json=body)
        again = await client.post("/v1/batch", json={"batch": [{"type": "track", **body}]})
    assert first.json() == again.json() == {"success": True}
    stats = await container.stream.stats()
    assert (stats["accepted"], stats["pending"]) == (1, 1)


def _big_batch() -> bytes:
    message = {"type": "track", "userId": "u", "event": "E", "properties": {"x": "y" * 20_000}}
    return orjson.dumps({"batch": [message] * 30})


BAD_INPUTS: list[tuple[str, str, bytes, dict[str, str], int, str]] = [
    (
        "malformed json",
        "/v1/track",
        b'{"userId": ',
        {},
        400,
        "body: malformed JSON (unexpected end of data at character 11)",
    ),
    (
        "userId is an object",
        "/v1/track",
        orjson.dumps({"userId": {"email": PERSONAL}, "event": "E"}),
        {},
        400,
        "userId: must be a string or a number",
    ),
    (
        "no id at all",
        "/v1/identify",
        orjson.dumps({"traits": {"email": PERSONAL}}),
        {},
        400,
        "userId or anonymousId is required",
    ),
    (
        "track without event",
        "/v1/track",
        orjson.dumps({"userId": "u"}),
        {},
        400,
        "event: is required",
    ),
    (
        "alias without previousId",
        "/v1/alias",
        orjson.dumps({"userId": "u"}),
        {},
        400,
        "previousId: is required",
    ),
    (
        "group without groupId",
        "/v1/group",
        orjson.dumps({"userId": "u"}),
        {},
        400,
        "groupId: is required",
    ),
    (
        "message over 32 KB",
        "/v1/track",
        orjson.dumps({"userId": "u", "event": "E", "properties": {"x": "y" * 40_000}}),
        {},
        413,
        "message: larger than 32 KB",
    ),
    ("batch over 500 KB", "/v1/batch", _big_batch(), {}, 413, "body: larger than 500 KB"),
    (
        "gzip bomb",
        "/v1/batch",
        gzip.compress(b" " * (20 * 1024 * 1024)),
        {"Content-Encoding": "gzip"},
        413,
        "body: larger than 500 KB once decoded",
    ),
    (
        "brotli",
        "/v1/track",
        b"\x0b\x02\x80{}\x03",
        {"Content-Encoding": "br"},
        415,
        "Content-Encoding: only gzip, deflate and identity are supported",
    ),
    (
        "unknown type in batch",
        "/v1/batch",
        orjson.dumps({"batch": [{"type": "purchase", "userId": "u"}]}),
        {},
        400,
        "batch[0].type: must be one of identify, track, page, screen, group, alias",
    ),
    (
        "one bad message in a batch",
        "/v1/batch",
        orjson.dumps(
            {
                "batch": [
                    {"type": "track", "userId": "u", "event": "E"},
                    {"type": "identify", "anonymousId": "a"},
                    {"type": "track", "userId": "u", "event": "E"},
                    {"type": "identify", "userId": ["x", PERSONAL]},
                ]
            }
        ),
        {},
        400,
        "batch[3].userId: must be a string or a number",
    ),
]


@pytest.mark.parametrize(
    ("path", "content", "headers", "status", "message"),
    [case[1:] for case in BAD_INPUTS],
    ids=[case[0] for case in BAD_INPUTS],
)
async def test_bad_input_is_a_4xx_that_names_the_problem_and_appends_nothing(
    api_url: str,
    container: Container,
    path: str,
    content: bytes,
    headers: dict[str, str],
    status: int,
    message: str,
) -> None:
    key = await write_key(container)
    async with httpx.AsyncClient(base_url=api_url) as client:
        response = await client.post(path, content=content, headers={**basic(key), **headers})
    body = _is_error(response, status)
    assert body["error"] == message
    stats = await container.stream.stats()
    assert (stats.get("accepted", 0), stats["pending"]) == (0, 0)


async def test_missing_unknown_and_malformed_write_keys_are_401(
    api_url: str, container: Container
) -> None:
    await write_key(container)
    track = CALLS["track"]
    async with httpx.AsyncClient(base_url=api_url) as client:
        missing = await client.post("/v1/track", json=track)
        unknown = await client.post("/v1/track", json=track, headers=basic("wk_not-a-key"))
        in_body = await client.post("/v1/track", json={**track, "writeKey": "wk_wrong"})
        not_text = await client.post("/v1/track", json={**track, "writeKey": 12})
        garbled = await client.post("/v1/track", json=track, headers={"Authorization": "Basic %%%"})
    assert "missing" in _is_error(missing, 401)["error"]
    assert _is_error(unknown, 401)["error"] == "write key: unknown"
    assert _is_error(in_body, 401)["error"] == "write key: unknown"
    _is_error(not_text, 401)
    _is_error(garbled, 401)
    assert await _pending(container) == 0


async def test_unknown_paths_and_methods_share_the_error_body(api_url: str) -> None:
    async with httpx.AsyncClient(base_url=api_url) as client:
        _is_error(await client.post("/v1/purchase", json={}), 404)
        _is_error(await client.get("/v1/track"), 405)
        elsewhere = await client.get("/nowhere")
    assert elsewhere.json() == {"detail": "Not Found"}  # FastAPI's own shape outside /v1


async def test_backpressure_is_429_with_retry_after(
    container: Container, settings: Settings
) -> None:
    key = await write_key(container)
    app = create_app(settings.model_copy(update={"stream_bound": 3}))
    three = {"batch": [{"type": "track", **CALLS["track"]}] * 3}
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://cdp", headers=basic(key)
        ) as client,
    ):
        accepted = await client.post("/v1/batch", json=three)
        refused = await client.post("/v1/track", json=CALLS["track"])
        assert await _pending(container) == 3  # the refused call appended nothing
        # The resolver runs again: the backlog drains and the same call is now accepted.
        resolver = container.resolver("backpressure-test")
        await container.stream.ensure_group()
        while await _pending(container):
            await resolver.step(block_ms=50)
        retried = await client.post("/v1/track", json=CALLS["track"])
    assert accepted.json() == {"success": True}
    body = _is_error(refused, 429)
    assert body["code"] == "rate_limited"
    assert refused.headers["Retry-After"] == str(settings.retry_after_seconds)
    assert retried.json() == {"success": True}
    assert await _pending(container) == 1
