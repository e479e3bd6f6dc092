"""GraphQL reads no body past its cap, authenticated or not, and a large one stalls nobody.

Regression: /graphql accepted bodies of any size without credentials (50 MB), and a 17 MB body
of nested variables held the event loop long enough to stall /healthz, so tracking too.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import httpx
import orjson
import pytest

from app.settings import Settings

pytestmark = pytest.mark.integration


async def test_a_graphql_body_past_the_cap_is_413_before_it_is_read(
    api_url: str, settings: Settings
) -> None:
    cap = settings.graphql_body_limit_bytes
    padding = "x" * cap
    body = orjson.dumps({"query": "{ health { status } }", "variables": {"pad": padding}})
    async with httpx.AsyncClient(base_url=api_url, timeout=30) as client:
        declared = await client.post(
            "/graphql", content=body, headers={"content-type": "application/json"}
        )

        async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it comes
            for start in range(0, len(body), 65_536):
                yield body[start : start + 65_536]

        streamed = await client.post(
            "/graphql", content=chunks(), headers={"content-type": "application/json"}
        )
        small = await client.post("/graphql", json={"query": "{ health { status } }"})
    for refused in (declared, streamed):
        assert refused.status_code == 413
        assert refused.json() == {"errors": [{"message": f"body: larger than {cap // 1024} KB"}]}
    assert small.status_code == 200 and small.json()["data"]["health"]["status"] == "ok"


async def test_deeply_nested_graphql_variables_are_a_4xx_and_stall_nothing(api_url: str) -> None:
    nested = b"[" * 100_000 + b"]" * 100_000
    body = b'{"query": "{ health { status } }", "variables": {"deep": ' + nested + b"}}"
    async with httpx.AsyncClient(base_url=api_url, timeout=30) as client:

        async def health_times() -> list[float]:
            seen = []
            for _ in range(20):
                started = time.perf_counter()
                assert (await client.get("/healthz")).status_code == 200
                seen.append(time.perf_counter() - started)
                await asyncio.sleep(0.01)
            return seen

        answer, times = await asyncio.gather(
            client.post("/graphql", content=body, headers={"content-type": "application/json"}),
            health_times(),
        )
    assert 400 <= answer.status_code < 500, answer.text
    assert max(times) < 1.0
