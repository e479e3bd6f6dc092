"""The tracking API over real HTTP: Segment's answers, the bad-input matrix, back-pressure."""

from __future__ import annotations

import asyncio
import base64
import gzip
import json
from typing import Any

import httpx
import hypothesis
import orjson
import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

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


async def _key(container: Container) -> str:
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
    key = await _key(container)
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
    key = await _key(container)
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
    key = await _key(container)
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
    key = await _key(container)
    async with httpx.AsyncClient(base_url=api_url) as client:
        response = await client.post(path, content=content, headers={**basic(key), **headers})
    body = _is_error(response, status)
    assert body["error"] == message
    stats = await container.stream.stats()
    assert (stats.get("accepted", 0), stats["pending"]) == (0, 0)


async def test_missing_unknown_and_malformed_write_keys_are_401(
    api_url: str, container: Container
) -> None:
    await _key(container)
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
    key = await _key(container)
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


# --- fuzzing: no input, however odd, is a 5xx -------------------------------------------------

_FIELDS = [
    "type", "userId", "anonymousId", "previousId", "groupId", "event", "name", "category",
    "traits", "properties", "context", "integrations", "timestamp", "originalTimestamp",
    "sentAt", "messageId", "batch", "writeKey",
]  # fmt: skip
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(["track", "identify", "2024-02-30T00:00:00Z", "2024-01-01T00:00:00+01:00"])
)
_JSON = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(_FIELDS) | st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=20,
)
_BODIES = (
    st.binary(max_size=300)
    | st.dictionaries(st.sampled_from(_FIELDS), _JSON, max_size=8).map(
        lambda d: json.dumps(d).encode()
    )
    | st.lists(st.dictionaries(st.sampled_from(_FIELDS), _JSON, max_size=8), max_size=4).map(
        lambda items: json.dumps({"batch": items}).encode()
    )
)
_PATHS = [f"/v1/{kind}" for kind in (*CALLS, "batch", "import")]


def _fuzz_raw(api_url: str, headers: dict[str, str]) -> None:
    @hypothesis.settings(max_examples=150, deadline=None, database=None)
    @hypothesis.given(
        path=st.sampled_from(_PATHS),
        body=_BODIES,
        encoding=st.sampled_from([None, "gzip", "deflate", "identity"]),
    )
    def run(path: str, body: bytes, encoding: str | None) -> None:
        extra = {"Content-Encoding": encoding} if encoding else {}
        if encoding == "gzip":
            body = gzip.compress(body)
        with httpx.Client(base_url=api_url) as client:
            response = client.post(path, content=body, headers={**headers, **extra})
        assert response.status_code < 500, response.text
        assert response.json()["success"] is (response.status_code == 200)

    run()


def _fuzz_with_schemathesis(api_url: str, spec: dict[str, Any], headers: dict[str, str]) -> None:
    schema = schemathesis.openapi.from_dict(spec).include(path_regex="^/v1/")
    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
    ]
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

        @hypothesis.settings(
            max_examples=80,
            deadline=None,
            database=None,
            suppress_health_check=list(hypothesis.HealthCheck),
        )
        @hypothesis.given(case=schema.as_strategy(mode))
        def run(case: schemathesis.Case[Any]) -> None:
            case.call_and_validate(base_url=api_url, headers=headers, checks=checks)

        run()


def _accepts_what_it_publishes(api_url: str, spec: dict[str, Any], headers: dict[str, str]) -> None:
    schema = schemathesis.openapi.from_dict(spec).include(path_regex="^/v1/")

    @hypothesis.settings(
        max_examples=120,
        deadline=None,
        database=None,
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    @hypothesis.given(case=schema.as_strategy(GenerationMode.POSITIVE))
    def run(case: schemathesis.Case[Any]) -> None:
        case.call_and_validate(
            base_url=api_url, headers=headers, checks=[not_a_server_error, positive_data_acceptance]
        )

    run()


async def test_every_body_the_openapi_schema_allows_is_accepted(
    api_url: str, container: Container, settings: Settings
) -> None:
    """The published schema says what validation takes (an empty `event`, a null or missing
    id on both sides, a boolean id were allowed by the schema and refused by the server)."""
    spec = create_app(settings).openapi()
    await asyncio.to_thread(_accepts_what_it_publishes, api_url, spec, basic(await _key(container)))


async def test_random_bytes_and_json_shapes_never_get_a_5xx(
    api_url: str, container: Container
) -> None:
    await asyncio.to_thread(_fuzz_raw, api_url, basic(await _key(container)))


async def test_schemathesis_finds_no_5xx_and_answers_match_the_openapi(
    api_url: str, container: Container, settings: Settings
) -> None:
    spec = create_app(settings).openapi()
    await asyncio.to_thread(_fuzz_with_schemathesis, api_url, spec, basic(await _key(container)))
