"""Journeys on a real graph with a real webhook receiver: triggers, consent-aware actions,
waits for a time and for an event, branches, history, statistics, and no double sends.
Jobs are driven here on a controlled clock; tests/integration/segments/test_journey_worker.py
runs them through a real arq worker."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app.bootstrap import Container
from app.domain.access import Principal, Role
from app.errors import InvalidInput
from app.services.changes.profile_changes import ProfileChanges
from app.services.engagement.journeys import JourneyService
from app.services.engagement.outbound import WebhookSender, parse_networks, verify
from tests.messages import message
from tests.support.journey_jobs import JourneyJobs
from tests.support.profiles import profile_id
from tests.support.webhooks import Receiver

pytestmark = pytest.mark.integration

ADMIN = Principal("test-admin", "tester", Role.ADMIN)


def welcome(url: str) -> dict[str, Any]:
    return {
        "name": "welcome_series",
        "trigger": {"event": "Signed Up"},
        "start": "hello",
        "steps": {
            "hello": {
                "type": "action",
                "action": {
                    "kind": "webhook",
                    "url": url,
                    "purpose": "marketing",
                    "data": {"template": "welcome"},
                },
                "next": "pause",
            },
            "pause": {"type": "wait", "seconds": 3600, "next": "check"},
            "check": {
                "type": "branch",
                "condition": {"event": "Order Completed"},
                "then": None,
                "else": "nudge",
            },
            "nudge": {
                "type": "wait",
                "until_event": "Order Completed",
                "timeout_seconds": 600,
                "next": None,
                "on_timeout": "tag",
            },
            "tag": {
                "type": "action",
                "action": {"kind": "add_tag", "tag": "never_bought"},
                "next": "bye",
            },
            "bye": {"type": "exit"},
        },
    }


NOW = 1_800_000_000.0


def _service(container: Container, driver: JourneyJobs) -> JourneyService:
    sender = WebhookSender(["jsecret"], parse_networks(["127.0.0.0/8"]), backoff=0.01)
    base = container.journeys
    service = JourneyService(
        base.storage,
        base.segments,
        base.gate,
        sender,
        base.profiles,
        base.sealer,
        base.notifier,
        driver.enqueue,
        clock=lambda: driver.now,
    )
    driver.runner = service.step_many
    return service


async def _pid(container: Container, user: str) -> str:
    return await profile_id(container, "user_id", user)


async def _ann_consented_and_bob_did_not(container: Container) -> tuple[str, str]:
    """Ann and Bob are seen; only Ann grants marketing. Their profile ids."""
    await container.ingestion.ingest([message(user="ann"), message(user="bob")])
    ann, bob = await _pid(container, "ann"), await _pid(container, "bob")
    await container.consent.set_consent(
        profile_id=ann,
        identifier=None,
        purpose="marketing",
        granted=True,
        expires_at=None,
        source=None,
        by="tester",
    )
    return ann, bob


def _one_signed_webhook_for(receiver: Receiver, ann: str) -> None:
    """One webhook, signed, with the run and step in its key."""
    (request,) = receiver.requests
    body = json.loads(request["body"])
    assert body["profile_id"] == ann and body["data"] == {"template": "welcome"}
    headers = request["headers"]
    assert verify(
        ["jsecret"], headers["x-cdp-timestamp"], request["body"], headers["x-cdp-signature"]
    )
    assert headers["idempotency-key"].endswith(":0")


async def _ann_bought_and_bob_was_tagged(
    container: Container, journeys: JourneyService, ann: str, bob: str
) -> str:
    """Ann's run ended when she bought; Bob's was skipped for consent and tagged. Ann's run id."""
    [ann_run] = await journeys.runs_of(ann)
    assert (ann_run.status, ann_run.exit_reason) == ("completed", "reached the end")
    assert [(s["step"], s["outcome"]) for s in ann_run.steps] == [
        ("hello", "taken"),
        ("pause", "waiting"),
        ("pause", "waited"),
        ("check", "else"),
        ("nudge", "waiting"),
        ("nudge", "event_arrived"),
    ]
    [bob_run] = await journeys.runs_of(bob)
    assert bob_run.status == "exited"
    assert next((s["step"], s["outcome"], s["reason"]) for s in bob_run.steps) == (
        "hello",
        "skipped",
        "no_decision",
    )
    assert await container.browser.tags(bob) == ["never_bought"]
    assert await container.browser.tags(ann) == []
    return ann_run.id


async def test_a_welcome_series_runs_end_to_end(container: Container, receiver: Receiver) -> None:
    driver = JourneyJobs(NOW)
    journeys = _service(container, driver)
    ann, bob = await _ann_consented_and_bob_did_not(container)
    await journeys.save(welcome(receiver.url), ADMIN)
    await journeys.set_active("welcome_series", True, ADMIN)
    signed_up = ProfileChanges(events={ann: {"Signed Up"}, bob: {"Signed Up"}})
    assert await journeys.on_changes(signed_up, []) == 2
    assert await journeys.on_changes(signed_up, []) == 0  # no re-entry while in flight
    assert await driver.drain() == ["waiting", "waiting"]
    # Only Ann consented to marketing.
    _one_signed_webhook_for(receiver, ann)

    driver.now += 3600
    assert await driver.drain() == ["waiting", "waiting"]  # neither bought: both nudged
    # Ann buys: her wait ends with the event; Bob's times out and he is tagged.
    await journeys.on_changes(ProfileChanges(events={ann: {"Order Completed"}}), [])
    driver.now += 600
    results = await driver.drain()
    assert sorted(results) == ["exited", "stale"]  # Bob's tag and exit; Ann's timeout is stale

    ann_run_id = await _ann_bought_and_bob_was_tagged(container, journeys, ann, bob)
    stats = await journeys.stats("welcome_series")
    assert stats["hello"] == {"taken": 1, "skipped": 1}
    assert stats["tag"] == {"taken": 1}
    assert len(receiver.requests) == 1
    # A job replayed later (arq retrying after a crash) does nothing.
    assert await journeys.step(ann_run_id, 0) == "stale"
    assert len(receiver.requests) == 1


def _with_step(base: dict[str, Any], name: str, step: dict[str, Any]) -> dict[str, Any]:
    """The journey with the step `name` replaced (or added)."""
    return {**base, "steps": {**base["steps"], name: step}}


async def test_bad_journeys_are_refused_naming_the_problem(container: Container) -> None:
    base = welcome("https://hooks.example/welcome")
    internal_webhook = {
        "type": "action",
        "action": {"kind": "webhook", "url": "http://10.0.0.1/x", "purpose": "marketing"},
        "next": "pause",
    }
    unknown_action = {"type": "action", "action": {"kind": "teleport"}, "next": "pause"}
    branch_on_an_unknown_trait = {
        "type": "branch",
        "condition": {"trait": "email", "op": "exists"},
        "then": None,
        "else": "nudge",
    }
    cases: list[tuple[dict[str, Any], str]] = [
        ({**base, "start": "nowhere"}, "start: no step named 'nowhere'"),
        (
            _with_step(base, "bye", {"type": "exit", "next": "hello"}),
            "steps.bye: unknown key(s) next",
        ),
        (
            _with_step(base, "bye", {"type": "wait", "seconds": 1, "next": "hello"}),
            "steps: a cycle",
        ),
        ({**base, "trigger": {"segment_entered": "nope"}}, "unknown segment(s): nope"),
        (
            _with_step(base, "hello", internal_webhook),
            "steps.hello.action.url: the host resolves to an internal address",
        ),
        (_with_step(base, "hello", unknown_action), "steps.hello.action.kind: one of"),
        (_with_step(base, "check", branch_on_an_unknown_trait), "steps.check.condition.trait"),
    ]
    journeys = _service(container, JourneyJobs(NOW))
    for raw, expected in cases:
        with pytest.raises(InvalidInput) as caught:
            await journeys.save(raw, ADMIN)
        assert str(caught.value).startswith(expected), str(caught.value)


async def test_a_trait_change_triggers_only_journeys_watching_that_trait(
    container: Container,
) -> None:
    await container.ingestion.ingest([message("identify", user="tc", traits={"plan": "free"})])
    pid = await _pid(container, "tc")
    feed = container.change_dispatcher("test")
    await feed.ensure_group()
    await container.journeys.save(
        {
            "name": "upgraded",
            "trigger": {
                "trait_changed": "plan",
                "where": {"trait": "plan", "op": "eq", "value": "pro"},
            },
            "start": "tag",
            "steps": {"tag": {"type": "action", "action": {"kind": "add_tag", "tag": "pro"}}},
        },
        ADMIN,
    )
    await container.journeys.set_active("upgraded", True, ADMIN)
    await feed.step(block_ms=100)
    await container.profiles.set_trait(pid, "company", "Acme", "tester")
    await feed.step(block_ms=100)
    assert await container.journeys.runs_of(pid) == []  # another trait changed
    await container.profiles.set_trait(pid, "plan", "pro", "tester")
    await feed.step(block_ms=100)
    [run] = await container.journeys.runs_of(pid)
    assert (run.journey, run.status) == ("upgraded", "active")
    with pytest.raises(InvalidInput, match=r"trigger\.trait_changed"):
        await container.journeys.validate(
            {
                "name": "x",
                "trigger": {"trait_changed": "no such trait!"},
                "start": "a",
                "steps": {"a": {"type": "exit"}},
            }
        )
