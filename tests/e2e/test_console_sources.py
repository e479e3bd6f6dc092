"""The console's sources page in headless Chromium against the live API: a source made there
tracks with its write key until rotation retires it, a privacy officer sets how long its events
are kept, and an admin defines a destination whose bad config is refused by name."""

from __future__ import annotations

import asyncio
import json
import uuid

import httpx
from playwright.async_api import Browser

from app.bootstrap import Container
from tests.e2e.console_support import CONSOLE_MARKS, basic, shot, signed_in
from tests.support.webhooks import Receiver

pytestmark = CONSOLE_MARKS


async def test_a_source_made_in_the_console_tracks_with_its_key_and_rotation_retires_it(
    api_url: str, container: Container, browser: Browser
) -> None:
    page = await signed_in(browser, api_url, container, "admin")
    await page.get_by_role("link", name="Sources").click()
    await page.get_by_role("textbox", name="New source").fill("console-web")
    await page.get_by_role("button", name="Create source").click()
    shown_key = page.get_by_test_id("new-write-key")
    await shown_key.wait_for()
    key = await shown_key.locator("code").first.inner_text()
    assert key in await shown_key.locator("pre").inner_text()  # the snippet carries it
    assert "console-web" in await page.get_by_test_id("sources").inner_text()
    await shot(page, "sources")
    body = {"anonymousId": "console-src", "event": "Viewed"}
    async with httpx.AsyncClient(base_url=api_url) as client:
        assert (await client.post("/v1/track", json=body, headers=basic(key))).status_code == 200

        page.on("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
        row = page.get_by_test_id("sources").get_by_role("row", name="console-web")
        await row.get_by_role("button", name="Rotate write key").click()
        await shown_key.locator("code").first.filter(has_not_text=key).wait_for()
        rotated = await shown_key.locator("code").first.inner_text()
        old = await client.post("/v1/track", json=body, headers=basic(key))
        assert old.status_code == 401
        new = await client.post("/v1/track", json=body, headers=basic(rotated))
        assert new.status_code == 200


async def test_a_privacy_officer_sets_how_long_a_sources_events_are_kept(
    api_url: str, container: Container, browser: Browser
) -> None:
    source = (await container.sources.create(f"kept-{uuid.uuid4().hex[:6]}")).source
    page = await signed_in(browser, api_url, container, "privacy_officer")
    answers = iter(["30", "30 days"])
    page.on("dialog", lambda dialog: asyncio.ensure_future(dialog.accept(next(answers))))
    await page.goto(f"{api_url}/console/#/sources")
    row = page.get_by_test_id("sources").get_by_role("row", name=source.name)
    await row.get_by_role("button", name="Set retention").click()
    await row.filter(has_text="30 days").wait_for()
    assert (await container.retention.policy())[source.id] == 30
    # Not a number of days: said so, and nothing is sent.
    await row.get_by_role("button", name="Set retention").click()
    await page.get_by_role("status").filter(has_text="is not a number of days").wait_for()
    assert (await container.retention.policy())[source.id] == 30
    assert await row.get_by_role("button", name="Rotate write key").count() == 0  # admin only


async def test_an_admin_defines_a_destination_and_a_bad_config_is_refused_by_name(
    api_url: str, container: Container, browser: Browser, receiver: Receiver
) -> None:
    page = await signed_in(browser, api_url, container, "admin")
    await page.goto(f"{api_url}/console/#/sources")
    await page.get_by_role("button", name="New destination").click()
    await page.get_by_label("Name", exact=True).fill("console_crm")
    await page.get_by_label("kind").select_option("webhook")
    await page.get_by_label("events").uncheck()
    await page.get_by_label("config (JSON)").fill(json.dumps({"url": receiver.url}))
    await page.get_by_role("button", name="Save destination").click()
    await page.get_by_role("status").filter(has_text="console_crm saved").wait_for()
    row = page.get_by_test_id("destinations").get_by_role("row", name="console_crm")
    assert "profiles, segments" in await row.inner_text()
    # Editing: the config is not shown (it may hold secrets) and must be given again.
    await row.get_by_role("button", name="Edit").click()
    assert await page.get_by_label("config (JSON)").input_value() == ""
    await page.get_by_label("config (JSON)").fill("{}")
    await page.get_by_label("batch size").fill("10")
    await page.get_by_role("button", name="Save destination").click()
    refusal = page.get_by_role("alert")
    await refusal.wait_for()
    assert "config.url" in await refusal.inner_text()
    await page.get_by_label("config (JSON)").fill(json.dumps({"url": receiver.url}))
    await page.get_by_role("button", name="Save destination").click()
    await page.get_by_role("status").filter(has_text="console_crm saved").wait_for()
    saved = await container.destinations.get("console_crm")
    assert saved.batch_size == 10 and list(saved.topics) == ["profiles", "segments"]
