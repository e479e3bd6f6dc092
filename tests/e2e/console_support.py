"""What the console's browser tests share: the marks that skip them without Chromium or a
built console, people who visited and logged in through /v1, a page signed in with an API key
of a role, and screenshots for the docs.

The console is built by `make console` (`make test` builds it first) and served by the API at
/console; Chromium is Debian's package (Playwright's own browsers are not downloaded).
Screenshots of the pages go to docs/images/console/ when CDP_CONSOLE_SHOTS is set
(docs/console.md shows them).
"""

from __future__ import annotations

import base64
import os
import uuid
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Page

from app.bootstrap import Container
from app.entrypoints.console import SOURCE_BUILD
from app.ports.profiles import ProfileView
from tests.support.browser import CHROMIUM, drain_resolver

#: Every console test: end to end, on the live API, skipped without Chromium or the build.
CONSOLE_MARKS = [
    pytest.mark.e2e,
    pytest.mark.integration,
    pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get chromium)"),
    pytest.mark.skipif(
        not (SOURCE_BUILD / "index.html").is_file(),
        reason="the console is not built (make console: needs npm)",
    ),
]

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "images" / "console"
UA = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)


def basic(write_key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{write_key}:".encode()).decode()}


async def visit_then_login(
    api_url: str, container: Container, email: str, user: str | None = None
) -> str:
    """An anonymous page view, then a login with traits: returns the anonymous id."""
    anonymous = f"anon-{uuid.uuid4().hex[:12]}"
    user = user or f"user-{uuid.uuid4().hex[:8]}"
    key = (await container.sources.create(f"web-{uuid.uuid4().hex[:6]}")).write_key
    context = {"userAgent": UA, "locale": "en-GB"}
    async with httpx.AsyncClient(base_url=api_url, headers=basic(key)) as client:
        page = {"anonymousId": anonymous, "name": "Pricing", "context": context}
        assert (await client.post("/v1/page", json=page)).status_code == 200
        login = {
            "anonymousId": anonymous,
            "userId": user,
            "traits": {"email": email, "plan": "pro", "first_name": "Ada"},
            "context": context,
        }
        assert (await client.post("/v1/identify", json=login)).status_code == 200
    await drain_resolver(container)
    return anonymous


async def known_person(
    api_url: str, container: Container, email: str, user: str | None = None
) -> ProfileView:
    """Someone who visited and then logged in with `email`: their profile."""
    await visit_then_login(api_url, container, email, user)
    profile = await container.profiles.profile_by_identifier("email", email)
    assert profile is not None
    return profile


async def signed_in(
    browser: Browser, api_url: str, container: Container, role: str, *, bypass_csp: bool = False
) -> Page:
    """A page signed in with a new API key of `role`."""
    key = (await container.apikeys.create(f"console-{role}", role, None)).secret
    page = await browser.new_page(viewport={"width": 1400, "height": 1000}, bypass_csp=bypass_csp)
    await page.goto(f"{api_url}/console/")
    await page.get_by_label("API key").fill(key)
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_test_id("who").wait_for()
    return page


async def shot(page: Page, name: str) -> None:
    """A screenshot of the whole page for the docs, when CDP_CONSOLE_SHOTS is set."""
    if os.environ.get("CDP_CONSOLE_SHOTS"):
        SHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
