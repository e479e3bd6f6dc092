"""The console's profile pages in headless Chromium against the live API, driven by
Playwright. A visit tracked through /v1 as an anonymous browser and then a login appear as one
profile: found by its e-mail, its golden record and provenance shown, its identity graph drawn,
the explanation page saying why two identifiers are one person; the page follows changes live;
a viewer sees the e-mail masked exactly as the API masks it and is offered no action; an admin
sets a trait by hand."""

from __future__ import annotations

import asyncio
import uuid

import httpx
from playwright.async_api import Browser

from app.bootstrap import Container
from tests.e2e.console_support import (
    CONSOLE_MARKS,
    basic,
    known_person,
    shot,
    signed_in,
    visit_then_login,
)
from tests.support.browser import drain_resolver

pytestmark = CONSOLE_MARKS


async def test_a_visit_and_a_login_are_one_profile_with_its_graph_drawn(
    api_url: str, container: Container, browser: Browser
) -> None:
    email = f"ada.{uuid.uuid4().hex[:6]}@example.com"
    anonymous = await visit_then_login(api_url, container, email)
    page = await signed_in(browser, api_url, container, "admin")
    who = await page.get_by_test_id("who").inner_text()
    assert "admin" in who and "masked" not in who
    await page.get_by_test_id("ingestion").wait_for()
    chart = page.get_by_test_id("rate-chart")
    await chart.wait_for()
    # The visit and the login were accepted and processed this minute: the chart says so.
    summary = await chart.locator("svg").get_attribute("aria-label")
    assert summary is not None and "messages processed" in summary, summary
    assert not summary.startswith("Over the last 60 minutes 0 messages"), summary
    await page.get_by_test_id("erasure-queue").wait_for()
    await shot(page, "overview")

    await page.get_by_role("link", name="Profiles").click()
    await page.get_by_test_id("profile-count").wait_for()
    await shot(page, "profiles")
    await page.get_by_label("Identifier value").fill(email)
    await page.get_by_role("button", name="Find").click()
    await page.get_by_test_id("trait-email").wait_for()
    assert await page.get_by_test_id("trait-email").inner_text() == email
    assert await page.get_by_test_id("trait-plan").inner_text() == "pro"
    identifiers = await page.get_by_test_id("identifiers").inner_text()
    assert email in identifiers and anonymous in identifiers and "user_id" in identifiers
    graph = page.get_by_test_id("identity-graph")
    assert int(await graph.get_attribute("data-nodes") or 0) >= 3
    assert int(await graph.get_attribute("data-edges") or 0) >= 2
    assert await graph.locator("canvas").count() > 0  # drawn by Cytoscape
    devices = await page.get_by_test_id("devices").inner_text()
    assert "Chrome" in devices and "Mac OS X" in devices
    assert "Pricing" in await page.get_by_test_id("events").inner_text()

    await page.get_by_role("row", name="email").get_by_role("button", name="Why?").click()
    provenance = page.get_by_test_id("provenance-email")
    await provenance.wait_for()
    assert "trust" in await provenance.inner_text()
    await shot(page, "profile")

    await page.get_by_role("link", name="Why one person?").click()
    await page.get_by_label("First identifier value").fill(email)
    await page.get_by_label("Second identifier type").select_option("anonymous_id")
    await page.get_by_label("Second identifier value").fill(anonymous)
    await page.get_by_role("button", name="Explain").click()
    verdict = page.get_by_test_id("explanation")
    await verdict.wait_for()
    assert "One person" in await verdict.inner_text()
    await shot(page, "explain")


async def test_the_profile_page_follows_changes_live(
    api_url: str, container: Container, browser: Browser
) -> None:
    email = f"live.{uuid.uuid4().hex[:6]}@example.com"
    user = f"user-live-{uuid.uuid4().hex[:6]}"
    profile = await known_person(api_url, container, email, user)
    page = await signed_in(browser, api_url, container, "admin")
    await page.goto(f"{api_url}/console/#/profiles/{profile.id}")
    await page.get_by_test_id("trait-plan").filter(has_text="pro").wait_for()
    await asyncio.sleep(0.5)  # the subscription reaches Valkey

    # The plan changes through the tracking API, not through the page: the page follows.
    key = (await container.sources.create(f"app-{uuid.uuid4().hex[:6]}")).write_key
    async with httpx.AsyncClient(base_url=api_url, headers=basic(key)) as client:
        upgrade = {"userId": user, "traits": {"plan": "team"}}
        assert (await client.post("/v1/identify", json=upgrade)).status_code == 200
    await drain_resolver(container)
    await page.get_by_role("status").filter(has_text="Updated live").wait_for()
    await page.get_by_test_id("trait-plan").filter(has_text="team").wait_for()


async def test_a_viewer_sees_personal_data_masked_as_the_api_masks_it(
    api_url: str, container: Container, browser: Browser
) -> None:
    email = f"grace.{uuid.uuid4().hex[:6]}@example.com"
    await visit_then_login(api_url, container, email)
    viewer = (await container.apikeys.create("console-viewer", "viewer", None)).secret
    async with httpx.AsyncClient(base_url=api_url) as client:
        answer = await client.post(
            "/graphql",
            json={
                "query": 'query($v: String!) { profileByIdentifier(type: "email", value: $v) '
                "{ id traits } }",
                "variables": {"v": email},
            },
            headers={"Authorization": f"Bearer {viewer}"},
        )
    found = answer.json()["data"]["profileByIdentifier"]
    masked = found["traits"]["email"]
    assert masked != email and "*" in masked

    page = await signed_in(browser, api_url, container, "viewer")
    assert "viewer" in await page.get_by_test_id("who").inner_text()
    assert "personal data masked" in await page.get_by_test_id("who").inner_text()
    await page.goto(f"{api_url}/console/#/profiles/{found['id']}")
    cell = page.get_by_test_id("trait-email")
    await cell.wait_for()
    assert await cell.inner_text() == masked
    assert email not in await page.content()


async def test_a_viewer_is_offered_no_action_and_no_privacy_page(
    api_url: str, container: Container, browser: Browser
) -> None:
    email = f"hopper.{uuid.uuid4().hex[:6]}@example.com"
    profile = await known_person(api_url, container, email)
    page = await signed_in(browser, api_url, container, "viewer")
    assert await page.get_by_role("link", name="Privacy").count() == 0
    await page.goto(f"{api_url}/console/#/profiles/{profile.id}")
    await page.get_by_test_id("identifiers").wait_for()
    for action in ("Unlink", "Block", "Set trait"):
        assert await page.get_by_role("button", name=action).count() == 0, action
    assert await page.get_by_role("button", name="Erase…").count() == 0
    await page.goto(f"{api_url}/console/#/privacy")
    assert "need the privacy_officer or admin role" in await page.get_by_role("alert").inner_text()


async def test_an_admin_sets_a_trait_by_hand_and_it_wins(
    api_url: str, container: Container, browser: Browser
) -> None:
    email = f"lovelace.{uuid.uuid4().hex[:6]}@example.com"
    profile = await known_person(api_url, container, email)
    page = await signed_in(browser, api_url, container, "admin")
    await page.goto(f"{api_url}/console/#/profiles/{profile.id}")
    await page.get_by_label("Trait to set").fill("plan")
    await page.get_by_label("New value").fill("enterprise")
    await page.get_by_role("button", name="Set trait").click()
    await page.get_by_role("status").wait_for()
    assert "plan set by hand" in await page.get_by_role("status").inner_text()
    cell = page.get_by_test_id("trait-plan")
    await cell.filter(has_text="enterprise").wait_for()
