"""Every key belongs to one workspace: a write key of another workspace is unknown here.

Regression: the write-key lookup ignored the workspace, so a second workspace's key posted to
this API stored its events in this workspace's graph (and the other way round).
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio

from app.bootstrap import Container, build_container
from app.settings import Settings
from tests.pipeline import stored_events

pytestmark = pytest.mark.integration

TRACK = {"anonymousId": "a-1", "event": "Viewed"}


def _basic(write_key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{write_key}:".encode()).decode()}


@pytest_asyncio.fixture
async def other(settings: Settings, container: Container) -> AsyncIterator[Container]:
    """A second workspace on the same Neo4j and Valkey (after `container` wiped both)."""
    built = await build_container(settings.model_copy(update={"workspace": "elsewhere"}))
    await built.prepare_graph()
    try:
        yield built
    finally:
        await built.close()


async def test_a_write_key_works_only_in_its_own_workspace(
    api_url: str, container: Container, other: Container
) -> None:
    here = (await container.sources.create("web")).write_key
    there = (await other.sources.create("web")).write_key
    assert await container.sources.authenticate(there) is None
    assert await other.sources.authenticate(here) is None
    assert (await container.sources.authenticate(here)) is not None
    async with httpx.AsyncClient(base_url=api_url) as client:
        refused = await client.post("/v1/track", json=TRACK, headers=_basic(there))
        in_body = await client.post("/v1/track", json={**TRACK, "writeKey": there})
        own = await client.post("/v1/track", json=TRACK, headers=_basic(here))
    assert (refused.status_code, in_body.status_code, own.status_code) == (401, 401, 200)
    assert refused.json()["message"] == "write key: unknown"
    assert (await container.stream.stats())["accepted"] == 1
    assert (await other.stream.stats()).get("accepted", 0) == 0
    assert await stored_events(other) == 0
