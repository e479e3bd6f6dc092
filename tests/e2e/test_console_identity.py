"""The console's identity curation in headless Chromium against the live API: unlinking an
identifier, merging two profiles by hand (or being refused, with the rule named), and the
explanation page listing what the identity rules caught."""

from __future__ import annotations

import asyncio
import uuid

from playwright.async_api import Browser

from app.bootstrap import Container
from tests.e2e.console_support import CONSOLE_MARKS, known_person, shot, signed_in, visit_then_login
from tests.messages import message

pytestmark = CONSOLE_MARKS


async def test_an_analyst_unlinks_an_identifier_it_sees_masked(
    api_url: str, container: Container, browser: Browser
) -> None:
    email = f"turing.{uuid.uuid4().hex[:6]}@example.com"
    anonymous = await visit_then_login(api_url, container, email)
    profile = await container.profiles.profile_by_identifier("email", email)
    assert profile is not None
    page = await signed_in(browser, api_url, container, "analyst")
    page.on("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
    await page.goto(f"{api_url}/console/#/profiles/{profile.id}")
    table = page.get_by_test_id("identifiers")
    await table.wait_for()
    assert email not in await page.content()
    await table.locator("tr", has_text="anonymous_id").get_by_role("button", name="Unlink").click()
    status = page.get_by_role("status")
    await status.filter(has_text="split").wait_for()
    moved = await container.profiles.profile_by_identifier("anonymous_id", anonymous)
    assert moved is not None and moved.id != profile.id
    await shot(page, "unlinked-by-analyst")


async def test_a_merge_by_hand_joins_two_profiles_and_a_refused_one_names_its_rule(
    api_url: str, container: Container, browser: Browser
) -> None:
    email = f"babbage.{uuid.uuid4().hex[:6]}@example.com"
    person = await known_person(api_url, container, email)
    someone_else = await known_person(api_url, container, f"other.{uuid.uuid4().hex[:6]}@x.org")
    stray_anon = f"stray-{uuid.uuid4().hex[:8]}"
    await container.ingestion.ingest([message(anon=stray_anon)])
    stray = await container.profiles.profile_by_identifier("anonymous_id", stray_anon)
    assert stray is not None and stray.id != person.id
    page = await signed_in(browser, api_url, container, "analyst")
    page.on("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
    await page.goto(f"{api_url}/console/#/profiles/{person.id}")
    status = page.get_by_role("status")
    # Two user ids: the type cap refuses, and nothing changes.
    await page.get_by_label("Profile to merge with").fill(someone_else.id)
    await page.get_by_role("button", name="Merge").click()
    await status.filter(has_text="refused").wait_for()
    assert "type_cap:user_id" in await status.inner_text()
    # An anonymous visitor: merged, its identifier now in this profile.
    await page.get_by_label("Profile to merge with").fill(stray.id)
    await page.get_by_label("Reason for the merge").fill("same person, support ticket 7")
    await page.get_by_role("button", name="Merge").click()
    await status.filter(has_text="Merged").wait_for()
    joined = await container.profiles.profile_by_identifier("anonymous_id", stray_anon)
    survivor = await container.profiles.profile_by_identifier("email", email)
    assert joined is not None and survivor is not None and joined.id == survivor.id


async def test_the_identity_page_lists_what_the_rules_caught(
    api_url: str, container: Container, browser: Browser
) -> None:
    junk = f"[object Object] {uuid.uuid4().hex[:6]}"
    for i in range(container.rules.generic_rivals + 1):
        browser_id = f"caught-{uuid.uuid4().hex[:8]}"
        await container.ingestion.ingest(
            [
                message("identify", anon=browser_id, user=junk, at=1_700_000_000.0 + i),
                message(
                    "identify", anon=browser_id, user=f"u-{browser_id}", at=1_700_000_001.0 + i
                ),
            ]
        )
    page = await signed_in(browser, api_url, container, "viewer")
    await page.goto(f"{api_url}/console/#/explain")
    caught = page.get_by_test_id("caught")
    await caught.wait_for()
    row = caught.get_by_role("row").filter(has_text="in many people's sessions")
    assert await row.count() >= 1
    assert "user_id" in await row.first.inner_text()
    await shot(page, "caught")
