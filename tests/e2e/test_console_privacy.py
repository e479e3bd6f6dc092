"""The console's privacy work in headless Chromium against the live API: a privacy officer
records a consent decision, downloads the subject access export and erases a subject."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from playwright.async_api import Browser

from app.bootstrap import Container
from app.settings import Settings
from tests.burst_worker import run_burst
from tests.e2e.console_support import CONSOLE_MARKS, known_person, shot, signed_in

pytestmark = CONSOLE_MARKS


async def test_a_privacy_officer_records_consent_and_downloads_the_subject_export(
    api_url: str, container: Container, browser: Browser
) -> None:
    email = f"franklin.{uuid.uuid4().hex[:6]}@example.com"
    profile = await known_person(api_url, container, email)
    page = await signed_in(browser, api_url, container, "privacy_officer")
    await page.goto(f"{api_url}/console/#/profiles/{profile.id}")
    await page.get_by_label("Purpose", exact=True).select_option("marketing")
    await page.get_by_label("Decision", exact=True).select_option("denied")
    await page.get_by_role("button", name="Record consent").click()
    await page.get_by_role("status").filter(has_text="recorded").wait_for()
    consents = page.get_by_test_id("consents")
    await consents.filter(has_text="marketing: not allowed (denied)").wait_for()
    await page.get_by_text("History of 1 decisions").click()
    history = await page.get_by_test_id("consent-history").inner_text()
    assert "marketing" in history and "denied" in history and "manual" in history

    await page.get_by_role("row", name="email").get_by_role("button", name="Erase…").click()
    await page.get_by_role("button", name="Preview").click()
    await page.get_by_test_id("erasure-preview").wait_for()
    async with page.expect_download() as waiting:
        await page.get_by_role("button", name="Download subject access export (JSON)").click()
    download = await waiting.value
    assert download.suggested_filename == f"subject-export-{profile.id}.json"
    document = json.loads(Path(await download.path()).read_text(encoding="utf-8"))
    assert email in json.dumps(document)
    assert any(c["purpose"] == "marketing" for c in document["consent"]["history"])
    exported = [e for e in await container.audit.entries(action="subject.exported")]
    assert exported, "the export is audited"


async def test_an_erasure_from_the_privacy_page_removes_the_profile(
    api_url: str, container: Container, settings: Settings, browser: Browser
) -> None:
    email = f"erase.{uuid.uuid4().hex[:6]}@example.com"
    profile = await known_person(api_url, container, email)
    page = await signed_in(browser, api_url, container, "privacy_officer")
    await page.goto(f"{api_url}/console/#/profiles/{profile.id}")
    await page.get_by_role("button", name="Erase…").first.wait_for()
    await page.get_by_role("row", name="email").get_by_role("button", name="Erase…").click()
    assert email not in page.url  # handed over in memory, not through the browser's history
    await page.get_by_role("button", name="Preview").click()
    preview = page.get_by_test_id("erasure-preview")
    await preview.wait_for()
    assert "2 events" in await preview.inner_text()
    await shot(page, "privacy")
    await page.get_by_label("Reason").fill("request 42")
    await page.get_by_role("button", name="Erase this subject").click()
    status = page.get_by_test_id("erasure-status")
    await status.wait_for()
    await run_burst(settings)  # the erasure job, in an arq worker
    await status.filter(has_text="completed").wait_for(timeout=15_000)
    assert await container.profiles.profile_by_identifier("email", email) is None
    audit = page.get_by_test_id("audit")
    await page.get_by_role("button", name="Refresh").click()
    await audit.filter(has_text="erasure.requested").wait_for()
