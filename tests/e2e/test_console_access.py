"""Signing in to the console and its API keys, in headless Chromium against the live API: an
admin creates a key that signs in with its role and then revokes it; a wrong key is refused
with the API's message."""

from __future__ import annotations

import asyncio
import uuid

import httpx
from playwright.async_api import Browser

from app.bootstrap import Container
from tests.e2e.console_support import CONSOLE_MARKS, shot, signed_in

pytestmark = CONSOLE_MARKS


async def test_an_admin_creates_an_api_key_that_signs_in_with_its_role_and_revokes_it(
    api_url: str, container: Container, browser: Browser
) -> None:
    page = await signed_in(browser, api_url, container, "admin")
    page.on("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
    await page.get_by_role("link", name="API keys").click()
    name = f"support {uuid.uuid4().hex[:6]}"
    await page.get_by_label("Name").fill(name)
    await page.get_by_label("role").select_option("marketer")
    await page.get_by_label("expires after (days, empty: never)").fill("30")
    await page.get_by_role("button", name="Create API key").click()
    shown = page.get_by_test_id("new-api-key")
    await shown.wait_for()
    secret = (await shown.locator(".secret").inner_text()).strip()
    assert secret.startswith("cdp_")
    row = page.get_by_test_id("api-keys").get_by_role("row", name=name)
    await row.filter(has_text="active").wait_for()
    assert "marketer" in await row.inner_text()
    await shot(page, "api-keys")

    other = await browser.new_page()
    await other.goto(f"{api_url}/console/")
    await other.get_by_label("API key").fill(secret)
    await other.get_by_role("button", name="Sign in").click()
    assert "marketer" in await other.get_by_test_id("who").inner_text()
    assert await other.get_by_role("link", name="API keys").count() == 0

    await row.get_by_role("button", name="Revoke").click()
    await row.filter(has_text="revoked").wait_for()
    async with httpx.AsyncClient(base_url=api_url) as client:
        answer = await client.post(
            "/graphql",
            json={"query": "{viewer{role}}"},
            headers={"Authorization": f"Bearer {secret}"},
        )
    assert answer.json()["errors"][0]["message"].startswith("Unauthorized")


async def test_a_wrong_key_is_refused_with_the_apis_message(api_url: str, browser: Browser) -> None:
    page = await browser.new_page()
    await page.goto(f"{api_url}/console/")
    await page.get_by_label("API key").fill("cdp_not-a-key")
    await page.get_by_role("button", name="Sign in").click()
    alert = page.get_by_role("alert")
    await alert.wait_for()
    assert "Unauthorized" in await alert.inner_text()
