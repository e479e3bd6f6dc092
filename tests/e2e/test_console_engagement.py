"""The console's segment builder and journey editor in headless Chromium against the live API:
a segment built in the builder gets members in real time, a journey drawn in the editor sends
its webhook, and a journey's description and trigger condition are saved as edited."""

from __future__ import annotations

import dataclasses
import json
import uuid

from playwright.async_api import Browser

from app.bootstrap import Container
from app.settings import Settings
from tests.burst_worker import run_burst
from tests.e2e.console_support import CONSOLE_MARKS, shot, signed_in, visit_then_login
from tests.messages import message
from tests.support.webhooks import Receiver

pytestmark = CONSOLE_MARKS


async def test_a_segment_built_in_the_builder_gets_members_in_real_time(
    api_url: str, container: Container, browser: Browser
) -> None:
    await visit_then_login(api_url, container, f"first.{uuid.uuid4().hex[:6]}@example.com")
    page = await signed_in(browser, api_url, container, "admin")
    await page.get_by_role("link", name="Segments").click()
    await page.get_by_role("link", name="New segment").click()
    await page.get_by_label("Name").fill("pro_people")
    await page.get_by_label("Condition condition.all[0] trait").fill("plan")
    await page.get_by_label("Condition condition.all[0] value").fill("pro")
    preview = page.get_by_test_id("segment-preview")
    await preview.filter(has_text="1 profiles match now").wait_for()

    # A bad part is refused as you edit, and marked where it is.
    await page.get_by_label("Add to condition").select_option("segment")
    await page.get_by_label("Condition condition.all[1] segment").fill("nowhere")
    await preview.filter(has_text="unknown segment").wait_for()
    await page.get_by_label("Remove condition.all[1]").click()
    await preview.filter(has_text="1 profiles match now").wait_for()
    await shot(page, "segment-builder")

    await page.get_by_role("button", name="Save").click()
    # a new segment, once saved, opens as itself: paused, version 1
    await page.get_by_role("heading", name="Segment pro_people").wait_for()
    await page.get_by_role("button", name="Activate").click()
    await page.get_by_test_id("segment-notice").filter(has_text="is active").wait_for()

    # Someone new logs in on the pro plan: the change feed puts them in at once.
    feed = container.change_dispatcher("console-test")
    await feed.ensure_group()
    await visit_then_login(api_url, container, f"second.{uuid.uuid4().hex[:6]}@example.com")
    for _ in range(20):
        await feed.step(block_ms=100)
        if (await container.segments.get("pro_people")).members == 2:
            break
    await page.get_by_role("link", name="Segments").click()
    table = page.get_by_test_id("segments-table")
    row = table.get_by_role("row", name="pro_people")
    await row.wait_for()
    assert "active" in await row.inner_text()
    assert (await row.get_by_role("cell").nth(3).inner_text()).strip() == "2"


async def test_a_journey_drawn_in_the_editor_sends_its_webhook(
    api_url: str, container: Container, settings: Settings, browser: Browser, receiver: Receiver
) -> None:
    page = await signed_in(browser, api_url, container, "admin")
    await page.get_by_role("link", name="Journeys").click()
    await page.get_by_role("link", name="New journey").click()
    await page.get_by_label("Name").fill("console_onboarding")
    verdict = page.get_by_test_id("journey-verdict")
    await verdict.filter(has_text="Valid: 1 steps").wait_for()

    # The first step becomes a webhook; a second step is added and connected on the canvas.
    await page.get_by_test_id("step-first").click()
    panel = page.get_by_role("complementary", name="Step first")
    await panel.get_by_label("action", exact=True).select_option("webhook")
    await panel.get_by_label("url", exact=True).fill(receiver.url)
    await panel.get_by_label("purpose", exact=True).fill("analytics")
    await page.get_by_role("button", name="Add step").click()
    second = page.get_by_role("complementary", name="Step step_2")
    await second.get_by_label("tag", exact=True).fill("onboarded")
    await verdict.filter(has_text="step_2").wait_for()  # not reachable yet: refused, marked
    assert "refused" in (await page.get_by_test_id("step-step_2").get_attribute("class") or "")
    exit_handle = page.locator("[data-testid=step-first] .react-flow__handle[data-handleid=next]")
    await exit_handle.drag_to(page.locator("[data-testid=step-step_2] .react-flow__handle-top"))
    await verdict.filter(has_text="Valid: 2 steps").wait_for()
    await shot(page, "journey-editor")
    await page.get_by_role("button", name="Save").click()
    await page.get_by_role("heading", name="Journey console_onboarding").wait_for()
    await page.get_by_role("button", name="Activate").click()
    await page.get_by_test_id("journey-notice").filter(has_text="is active").wait_for()

    feed = container.change_dispatcher("console-journey")
    await feed.ensure_group()
    sign_up = message(user="console-j1", event="Signed Up")
    consented = dataclasses.replace(
        sign_up, context={"consent": {"categoryPreferences": {"analytics": True}}}
    )
    await container.ingestion.ingest([consented])
    await feed.step(block_ms=100)
    worker = await run_burst(settings, worker_runs_segments=False)
    assert worker.jobs_failed == 0
    (request,) = receiver.requests
    assert json.loads(request["body"])["step"] == "first"
    await page.reload()
    await page.get_by_test_id("stats-first").wait_for()
    profile = await container.profiles.profile_by_identifier("user_id", "console-j1")
    assert profile is not None
    await page.goto(f"{api_url}/console/#/profiles/{profile.id}")
    await page.get_by_text("tags onboarded").wait_for()  # the second step ran too


async def test_a_journeys_description_and_trigger_condition_are_edited_and_saved(
    api_url: str, container: Container, browser: Browser
) -> None:
    page = await signed_in(browser, api_url, container, "marketer")
    await page.goto(f"{api_url}/console/#/journeys/new")
    await page.get_by_label("Name", exact=True).fill("console_pro_welcome")
    await page.get_by_label("Description").fill("welcome the pro plan")
    await page.get_by_label("only when").check()
    where = page.get_by_test_id("trigger-where")
    await where.get_by_label("Condition trigger.where.all[0] trait").fill("plan")
    await where.get_by_label("Condition trigger.where.all[0] value").fill("pro")
    verdict = page.get_by_test_id("journey-verdict")
    await verdict.filter(has_text="Valid: 1 steps").wait_for()
    await page.get_by_role("button", name="Save").click()
    await page.get_by_role("heading", name="Journey console_pro_welcome").wait_for()
    stored = (await container.journeys.get("console_pro_welcome")).definition
    assert stored["description"] == "welcome the pro plan"
    assert stored["trigger"] == {
        "event": "Signed Up",
        "where": {"all": [{"trait": "plan", "op": "eq", "value": "pro"}]},
    }
    # Opened again, the condition is shown as saved.
    await page.reload()
    await page.get_by_test_id("trigger-where").wait_for()
    assert await page.get_by_label("Condition trigger.where.all[0] value").input_value() == "pro"
