"""Fuzzing the tracking API over real HTTP: no input, however odd, is a 5xx, every body the
OpenAPI schema allows is accepted, and the answers match the schema."""

from __future__ import annotations

import asyncio
import gzip
import json
from typing import Any

import httpx
import hypothesis
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
from tests.integration.test_tracking_http import CALLS, basic, write_key

pytestmark = pytest.mark.integration

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
    await asyncio.to_thread(
        _accepts_what_it_publishes, api_url, spec, basic(await write_key(container))
    )


async def test_random_bytes_and_json_shapes_never_get_a_5xx(
    api_url: str, container: Container
) -> None:
    await asyncio.to_thread(_fuzz_raw, api_url, basic(await write_key(container)))


async def test_schemathesis_finds_no_5xx_and_answers_match_the_openapi(
    api_url: str, container: Container, settings: Settings
) -> None:
    spec = create_app(settings).openapi()
    await asyncio.to_thread(
        _fuzz_with_schemathesis, api_url, spec, basic(await write_key(container))
    )
