"""Every key belongs to one workspace: a write key of another workspace is unknown here.

Regression: the write-key lookup ignored the workspace, so a second workspace's key posted to
this API stored its events in this workspace's graph (and the other way round).
"""

from __future__ import annotations

import base64

import httpx
import pytest

from app.bootstrap import Container
from tests.pipeline import stored_events

pytestmark = pytest.mark.integration

TRACK = {"anonymousId": "a-1", "event": "Viewed"}


def _basic(write_key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{write_key}:".encode()).decode()}


async def test_a_write_key_works_only_in_its_own_workspace(
    api_url: str, container: Container, elsewhere: Container
) -> None:
    here = (await container.sources.create("web")).write_key
    there = (await elsewhere.sources.create("web")).write_key
    assert await container.sources.authenticate(there) is None
    assert await elsewhere.sources.authenticate(here) is None
    assert (await container.sources.authenticate(here)) is not None
    async with httpx.AsyncClient(base_url=api_url) as client:
        refused = await client.post("/v1/track", json=TRACK, headers=_basic(there))
        in_body = await client.post("/v1/track", json={**TRACK, "writeKey": there})
        own = await client.post("/v1/track", json=TRACK, headers=_basic(here))
    assert (refused.status_code, in_body.status_code, own.status_code) == (401, 401, 200)
    assert refused.json()["message"] == "write key: unknown"
    assert (await container.stream.stats())["accepted"] == 1
    assert (await elsewhere.stream.stats()).get("accepted", 0) == 0
    assert await stored_events(elsewhere) == 0
