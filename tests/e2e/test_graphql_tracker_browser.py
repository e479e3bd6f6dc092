"""A page in headless Chromium posting a GraphQL `track` to /v1/graphql from another origin.

The page (graphql_tracker/index.html) is served from one loopback origin and the API from
another, so the preflight (a JSON body and an `Authorization` header) and the reading of the
answer are the browser's own CORS decisions: with the origin allowed the page reads both the
accepted and the refused answer; with another origin configured it reads nothing and nothing
is accepted. Skipped only where the analytics.js browser test is: without Chromium.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from app.bootstrap import Container
from app.settings import Settings
from tests.processes import served
from tests.support.browser import CHROMIUM, drain_resolver, dump_dom, static_site

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

PAGE_DIR = Path(__file__).parent / "graphql_tracker"


@pytest.fixture
def page_origin() -> Iterator[str]:
    """The page, from a static server on its own loopback port."""
    with static_site(PAGE_DIR) as origin:
        yield origin


async def _run_page(api: str, page_origin: str, key: str, profile: Path) -> dict[str, Any]:
    assert page_origin != api  # two origins: CORS is exercised
    query = urlencode({"api": api, "writeKey": key, "anonymousId": "gql-browser"})
    dom, log = await dump_dom(f"{page_origin}/index.html?{query}", profile)
    found = re.search(r'<pre id="result">(.*?)</pre>', dom, re.S)
    console = "\n".join(line for line in log.splitlines() if "CONSOLE" in line)[-3000:]
    assert found is not None and found.group(1), f"no result in the page\n{console}"
    result: dict[str, Any] = json.loads(html.unescape(found.group(1)))
    return result


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
async def test_a_page_on_another_origin_tracks_over_graphql(
    api_url: str, container: Container, page_origin: str, tmp_path: Path
) -> None:
    key = (await container.sources.create("browser")).write_key
    result = await _run_page(api_url, page_origin, key, tmp_path)
    accepted, refused = result["accepted"], result["refused"]
    assert accepted["status"] == 200, result
    assert accepted["body"]["data"]["track"]["__typename"] == "Accepted"
    assert refused["status"] == 200, result
    assert refused["body"]["data"]["track"] == {
        "__typename": "Unauthorized",
        "code": "unauthorized",
        "message": "write key: unknown",
        "status": 401,
    }
    await drain_resolver(container)
    profile = await container.profiles.profile_by_identifier("anonymous_id", "gql-browser")
    assert profile is not None
    assert await container.profiles.event_count(profile.id) == 1


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
async def test_an_origin_not_allowed_reads_nothing_and_sends_nothing(
    settings: Settings, container: Container, page_origin: str, tmp_path: Path
) -> None:
    key = (await container.sources.create("browser")).write_key
    only_shop = settings.model_copy(update={"tracking_cors_origins": ["http://shop.example"]})
    async with served(only_shop) as api:
        result = await _run_page(api, page_origin, key, tmp_path)
    for name in ("accepted", "refused"):
        assert "Failed to fetch" in result[name]["error"], result
    assert (await container.stream.stats()).get("accepted", 0) == 0  # the preflight failed
