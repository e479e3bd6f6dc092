"""analytics.js (@segment/analytics-next), unchanged, in headless Chromium against the API.

The page (analytics_js/index.html) is served from one loopback origin and the API listens on
another, so the settings request, the CORS preflights (analytics.js sends `Authorization`) and
the `text/plain` posts to the short paths (`/v1/p`, `/v1/i`, `/v1/t`, or `/v1/b` in batches)
are the browser's own. The first tests check the same wire format with plain HTTP and need
no browser. Chromium comes from `apt-get install chromium`, the bundle from
`npm ci --prefix tests/e2e/analytics_js`; without them the browser test is skipped.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from app.bootstrap import Container
from app.entrypoints.api import create_app
from app.settings import Settings
from tests.support.browser import CHROMIUM, drain_resolver, dump_dom, static_site

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

PAGE_DIR = Path(__file__).parent / "analytics_js"
BUNDLE = PAGE_DIR / "node_modules" / "@segment" / "analytics-next" / "dist" / "umd" / "index.js"
SHOP = "http://shop.example"
EVIL = "http://evil.example"
SHORT = {"t": "track", "p": "page", "i": "identify", "g": "group", "a": "alias", "s": "screen"}
BODIES: dict[str, dict[str, Any]] = {
    "track": {"event": "Signed Up", "properties": {"plan": "pro"}},
    "page": {"name": "Pricing", "properties": {"path": "/pricing"}},
    "identify": {"userId": "u-short", "traits": {"email": "short@example.com"}},
    "group": {"groupId": "acme", "traits": {"name": "Acme"}},
    "alias": {"userId": "u-short", "previousId": "a-short"},
    "screen": {"name": "Home"},
}


def _basic(write_key: str) -> str:
    return "Basic " + base64.b64encode(f"{write_key}:".encode()).decode()


async def test_short_paths_take_text_plain_json_as_analytics_js_sends_it(
    api_url: str, container: Container
) -> None:
    key = (await container.sources.create("web")).write_key
    headers = {"Content-Type": "text/plain", "Authorization": _basic(key)}
    async with httpx.AsyncClient(base_url=api_url, headers=headers) as client:
        for short, kind in SHORT.items():
            body = {"anonymousId": "a-short", "writeKey": key, **BODIES[kind]}
            response = await client.post(f"/v1/{short}", content=json.dumps(body))
            assert (response.status_code, response.json()) == (200, {"success": True}), short
        batch = {"writeKey": key, "batch": [{"type": "track", "anonymousId": "a", "event": "E"}]}
        answer = await client.post(
            "/v1/b", content=json.dumps(batch), headers={"Authorization": ""}
        )
        assert answer.json() == {"success": True}  # the key in the body alone is enough
        refused = await client.post("/v1/t", content=b'{"event": "E"}')
        assert refused.status_code == 400 and refused.json()["code"] == "invalid_request"
    assert (await container.stream.stats())["accepted"] == len(SHORT) + 1


async def test_tracking_answers_cors_and_graphql_does_not(
    api_url: str, container: Container
) -> None:
    key = (await container.sources.create("web")).write_key
    async with httpx.AsyncClient(base_url=api_url, headers={"Origin": SHOP}) as client:
        preflight = await client.options(
            "/v1/t",
            headers={
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization,content-type,x-retry-count",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "*"
        assert "POST" in preflight.headers["access-control-allow-methods"]
        allowed = preflight.headers["access-control-allow-headers"].lower().split(",")
        assert {"authorization", "content-type", "x-retry-count"} <= {h.strip() for h in allowed}
        assert preflight.headers["access-control-max-age"] == "7200"
        body = {"anonymousId": "a", "event": "E"}
        accepted = await client.post("/v1/t", json=body, headers={"Authorization": _basic(key)})
        refused = await client.post("/v1/t", json=body)
        for answer, status in ((accepted, 200), (refused, 401)):
            assert answer.status_code == status
            assert answer.headers["access-control-allow-origin"] == "*"
            assert answer.headers["access-control-expose-headers"] == "Retry-After"
        graphql = await client.options(
            "/graphql", headers={"Access-Control-Request-Method": "POST"}
        )
        assert "access-control-allow-origin" not in graphql.headers
        query = await client.post("/graphql", json={"query": "{ __typename }"})
        assert "access-control-allow-origin" not in query.headers


async def test_only_the_configured_origins_get_cors(
    settings: Settings, container: Container
) -> None:
    app = create_app(settings.model_copy(update={"tracking_cors_origins": [SHOP]}))
    preflight = {"Access-Control-Request-Method": "POST"}
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as client,
    ):
        shop = await client.options("/v1/t", headers={"Origin": SHOP, **preflight})
        other = await client.options("/v1/t", headers={"Origin": EVIL, **preflight})
        sent = await client.post("/v1/t", json={}, headers={"Origin": EVIL})
    assert shop.status_code == 200
    assert shop.headers["access-control-allow-origin"] == SHOP
    assert other.status_code == 400
    assert "access-control-allow-origin" not in other.headers
    assert sent.status_code == 401 and "access-control-allow-origin" not in sent.headers


async def test_settings_point_analytics_js_back_at_the_api(
    api_url: str, container: Container
) -> None:
    key = (await container.sources.create("web")).write_key
    async with httpx.AsyncClient(base_url=api_url, headers={"Origin": SHOP}) as client:
        found = await client.get(f"/v1/projects/{key}/settings")
        unknown = await client.get("/v1/projects/wk_not-a-key/settings")
    assert found.status_code == 200
    assert found.headers["cache-control"] == "no-store"
    assert found.headers["access-control-allow-origin"] == "*"
    host = api_url.removeprefix("http://")
    assert found.json()["integrations"] == {
        "Segment.io": {"apiKey": key, "apiHost": f"{host}/v1", "protocol": "http"}
    }
    assert unknown.status_code == 401
    assert unknown.json()["code"] == "unauthorized" and "wk_not-a-key" not in unknown.text


@pytest.fixture
def page_origin() -> Iterator[str]:
    """The test page and the bundle, from a static server on another loopback port."""
    with static_site(PAGE_DIR) as origin:
        yield origin


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
@pytest.mark.skipif(
    not BUNDLE.is_file(),
    reason="analytics-next is not installed (npm ci --prefix tests/e2e/analytics_js)",
)
@pytest.mark.parametrize(
    ("settings_from", "delivery"),
    [("served", "standard"), ("inline", "batching")],
    ids=["settings-from-the-api-one-request-per-call", "inline-settings-batched"],
)
async def test_analytics_js_in_chromium_reaches_the_profile(
    api_url: str,
    container: Container,
    page_origin: str,
    tmp_path: Path,
    settings_from: str,
    delivery: str,
) -> None:
    key = (await container.sources.create("browser")).write_key
    tag = f"ajs-{delivery}"
    query = {
        "api": api_url,
        "writeKey": key,
        "tag": tag,
        "settings": settings_from,
        "delivery": delivery,
    }
    assert page_origin != api_url  # two origins: CORS is exercised
    dom, log = await dump_dom(f"{page_origin}/index.html?{urlencode(query)}", tmp_path)
    found = re.search(r'<pre id="result">(.*?)</pre>', dom, re.S)
    console = "\n".join(line for line in log.splitlines() if "CONSOLE" in line)[-3000:]
    assert found is not None, f"no result in the page\n{console}"
    result = json.loads(html.unescape(found.group(1)))
    assert "error" not in result, f"{result}\n{console}"
    assert result["userId"] == f"{tag}-user" and result["failed"] == []
    anonymous_id = result["anonymousId"]
    assert isinstance(anonymous_id, str) and anonymous_id
    stats = await container.stream.stats()
    assert (stats["accepted"], stats["pending"]) == (3, 3), console

    await drain_resolver(container)
    by_anon = await container.profiles.profile_by_identifier("anonymous_id", anonymous_id)
    by_user = await container.profiles.profile_by_identifier("user_id", f"{tag}-user")
    by_email = await container.profiles.profile_by_identifier("email", f"{tag}@example.com")
    assert by_anon is not None and by_user is not None and by_email is not None
    assert by_anon.id == by_user.id == by_email.id
    assert await container.profiles.event_count(by_user.id) == 3
    assert (await container.profiles.traits(by_user.id)).get("plan") == "pro"
