"""Sources and pipeline counters through GraphQL over real HTTP."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from app.bootstrap import Container
from app.settings import Settings
from tests.messages import message
from tests.support.graphql import graphql_body

pytestmark = pytest.mark.integration


async def _gql(api_url: str, settings: Settings, query: str) -> dict[str, Any]:
    return await graphql_body(api_url, settings.admin_api_key.get_secret_value(), query)


async def test_create_source_returns_a_working_write_key(
    api_url: str, settings: Settings, container: Container
) -> None:
    body = await _gql(
        api_url,
        settings,
        'mutation { createSource(name: "web shop", trust: 0.8) { __typename '
        "... on SourceCreated { writeKey source { id name trust } } } }",
    )
    created = body["data"]["createSource"]
    assert created["__typename"] == "SourceCreated"
    assert created["source"]["name"] == "web shop" and created["source"]["trust"] == 0.8
    source = await container.sources.authenticate(created["writeKey"])
    assert source is not None and source.id == created["source"]["id"]

    listed = await _gql(api_url, settings, "{ sources { id name } }")
    assert {"id": source.id, "name": "web shop"} in listed["data"]["sources"]

    bad = await _gql(
        api_url,
        settings,
        'mutation { createSource(name: "x", trust: 7) '
        "{ __typename ... on InvalidSource { message } } }",
    )
    assert bad["data"]["createSource"]["__typename"] == "InvalidSource"
    assert "trust" in bad["data"]["createSource"]["message"]


async def test_rotating_a_write_key_retires_the_old_one(
    api_url: str, settings: Settings, container: Container
) -> None:
    created = await container.sources.create("app")
    body = await _gql(
        api_url,
        settings,
        f'mutation {{ rotateWriteKey(sourceId: "{created.source.id}") {{ __typename '
        "... on WriteKeyRotated { writeKey } } }",
    )
    new_key = body["data"]["rotateWriteKey"]["writeKey"]
    assert new_key != created.write_key
    assert (await container.sources.authenticate(new_key)) is not None
    missing = await _gql(
        api_url, settings, 'mutation { rotateWriteKey(sourceId: "nope") { __typename } }'
    )
    assert missing["data"]["rotateWriteKey"]["__typename"] == "SourceNotFound"


async def test_ingestion_counters(api_url: str, settings: Settings, container: Container) -> None:
    source = (await container.sources.create("web")).source
    await container.acceptance.accept(source, [message(anon="a", source=source.id)] * 1)
    body = await _gql(
        api_url, settings, "{ ingestion { accepted pending processed failed deadLettered } }"
    )
    assert body["data"]["ingestion"] == {
        "accepted": 1,
        "pending": 1,
        "processed": 0,
        "failed": 0,
        "deadLettered": 0,
    }
    async with httpx.AsyncClient(base_url=api_url) as client:
        metrics = (await client.get("/metrics")).text
    assert 'cdp_ingestion{counter="pending"} 1.0' in metrics


async def test_the_pipeline_minute_by_minute(
    api_url: str, settings: Settings, container: Container
) -> None:
    source = (await container.sources.create("web")).source
    stream = container.stream
    now = time.time()
    minute = now // 60 * 60
    try:
        # Two minutes ago: three accepted, two processed; this minute: one accepted.
        stream.clock = lambda: minute - 120 + 5
        await container.acceptance.accept(
            source, [message(anon=f"a{i}", source=source.id) for i in range(3)]
        )
        await stream.count_many({"processed": 2, "merges": 1, "failed": 0})
        stream.clock = lambda: now
        await container.acceptance.accept(source, [message(anon="b", source=source.id)])
        series = await stream.series(3)
    finally:
        stream.clock = time.time
    assert [at for at, _ in series] == [minute - 120, minute - 60, minute]
    assert [counts for _, counts in series] == [
        {"accepted": 3, "processed": 2, "merges": 1},
        {},
        {"accepted": 1},
    ]
    # Each minute's hash expires: nothing is kept past two hours.
    ttl = await container.redis.ttl(stream.keys.counters_minute(int(minute // 60)))
    assert 0 < ttl <= 7200

    # Over HTTP: four minutes reach back to the minute written two minutes ago, even if the
    # clock turned a minute since.
    body = await _gql(api_url, settings, "{ ingestionSeries(minutes: 4) { at accepted } }")
    answer = {m["at"]: m["accepted"] for m in body["data"]["ingestionSeries"]}
    assert len(answer) == 4 and answer[minute - 120] == 3
    bad = await graphql_body(
        api_url, settings.admin_api_key.get_secret_value(), "{ ingestionSeries(minutes: 0) { at } }"
    )
    assert "minutes must be between 1 and 120" in bad["errors"][0]["message"]
