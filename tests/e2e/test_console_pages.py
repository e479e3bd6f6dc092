"""Every page of the console at once, in headless Chromium against the live API: the
accessibility checks of axe-core and keyboard navigation, and the time the pages' GraphQL
requests take."""

from __future__ import annotations

import time
import uuid

import pytest
from playwright.async_api import Browser, Page

from app.bootstrap import Container
from app.entrypoints.console import SOURCE_BUILD
from tests.e2e.console_support import CONSOLE_MARKS, known_person, signed_in, visit_then_login

pytestmark = CONSOLE_MARKS


AXE = SOURCE_BUILD.parent / "node_modules" / "axe-core" / "axe.min.js"


async def _accessibility_violations(page: Page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now."""
    await page.add_script_tag(path=str(AXE))
    found = await page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => `${v.id}: ${v.help} (${v.nodes.map(n => n.target.join(' ')).join(', ')})`)"""
    )
    return [str(v) for v in found]


@pytest.mark.skipif(not AXE.is_file(), reason="axe-core is not installed (make console)")
async def test_every_page_passes_the_accessibility_checks(
    api_url: str, container: Container, browser: Browser
) -> None:
    email = f"a11y.{uuid.uuid4().hex[:6]}@example.com"
    profile = await known_person(api_url, container, email)
    # axe-core is injected as an inline script, which the console's policy forbids otherwise
    page = await browser.new_page(bypass_csp=True)
    await page.goto(f"{api_url}/console/")
    assert await _accessibility_violations(page) == []  # the sign-in page
    page = await signed_in(browser, api_url, container, "admin", bypass_csp=True)
    found: dict[str, list[str]] = {}
    for route in (
        "#/",
        "#/profiles",
        f"#/profiles/{profile.id}",
        "#/segments/new",
        "#/journeys/new",
        "#/explain",
        "#/privacy",
        "#/sources",
        "#/keys",
    ):
        await page.goto(f"{api_url}/console/{route}")
        await page.wait_for_load_state("networkidle")
        found[route] = await _accessibility_violations(page)
    assert found == {route: [] for route in found}
    # Keyboard: the navigation is reachable with Tab alone.
    await page.goto(f"{api_url}/console/#/")
    names = []
    for _ in range(4):
        await page.keyboard.press("Tab")
        names.append(await page.evaluate("document.activeElement.textContent"))
    assert "Overview" in names and "Profiles" in names


async def test_console_pages_answer_within_the_budget(
    api_url: str, container: Container, browser: Browser
) -> None:
    """Every GraphQL request the pages make, timed in the browser (Resource Timing)."""
    email = f"lin.{uuid.uuid4().hex[:6]}@example.com"
    await visit_then_login(api_url, container, email)
    page = await signed_in(browser, api_url, container, "admin")
    started = time.monotonic()
    for route in (
        "#/",
        "#/profiles",
        "#/segments",
        "#/journeys",
        "#/explain",
        "#/privacy",
        "#/sources",
        "#/keys",
    ):
        await page.goto(f"{api_url}/console/{route}")
        await page.wait_for_load_state("networkidle")
    durations = await page.evaluate(
        "performance.getEntriesByType('resource')"
        ".filter(e => e.name.endsWith('/graphql')).map(e => e.duration)"
    )
    assert durations, "the pages made no GraphQL request"
    assert max(durations) < 3000, durations  # a loaded CI machine, a small graph
    assert time.monotonic() - started < 60
