"""Consent as a graph: decisions from trackers and operators, history, and may_use."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from app.bootstrap import Container
from app.domain.consent import CONSENT_EVENT
from app.errors import InvalidInput
from app.services.engagement.actions import ActionRecord, Attempt, ConsentGate
from app.services.privacy.consent import ConsentService
from tests.messages import message

pytestmark = pytest.mark.integration

T0 = 1_700_000_000.0


def with_consent(prefs: dict[str, Any], **kwargs: Any) -> Any:
    base = message(**kwargs)
    return dataclasses.replace(
        base, context={**base.context, "consent": {"categoryPreferences": prefs}}
    )


async def _profile(container: Container, type: str, value: str) -> str:
    view = await container.profiles.profile_by_identifier(type, value)
    assert view is not None
    return view.id


async def test_consent_context_is_recorded_only_when_it_changes(container: Container) -> None:
    report = await container.ingestion.ingest(
        [
            with_consent({"Analytics": True, "Advertising": False}, anon="a-1", at=T0),
            with_consent({"Analytics": True, "Advertising": False}, anon="a-1", at=T0 + 1),
            with_consent({"Analytics": True, "Advertising": True}, anon="a-1", at=T0 + 2),
        ]
    )
    assert report.stored == 3 and report.consents == 3
    # Segment sends the same preferences on every event: repeats add no history.
    again = await container.ingestion.ingest(
        [with_consent({"Analytics": True, "Advertising": True}, anon="a-1", at=T0 + 3)]
    )
    assert again.consents == 0
    pid = await _profile(container, "anonymous_id", "a-1")
    history = await container.consent.history(pid)
    assert [(d.purpose, d.granted, d.at) for d in history] == [
        ("analytics", True, T0),
        ("marketing", False, T0),
        ("marketing", True, T0 + 2),
    ]
    verdicts = {v.purpose: v for v in await container.consent.effective(pid, now=T0 + 10)}
    assert verdicts["marketing"].allowed and verdicts["marketing"].reason == "granted"
    assert verdicts["analytics"].allowed
    assert not verdicts["personalisation"].allowed
    assert verdicts["personalisation"].reason == "no_decision"


async def test_latest_decision_across_the_cluster_wins_after_a_merge(
    container: Container,
) -> None:
    await container.ingestion.ingest(
        [
            with_consent({"marketing": True}, anon="a-2", at=T0),
            with_consent({"marketing": False}, user="u-2", at=T0 + 5),
        ]
    )
    anon_profile = await _profile(container, "anonymous_id", "a-2")
    assert (await container.consent.may_use(anon_profile, "marketing", now=T0 + 9)).allowed
    # The visitor logs in: both identifiers are one person, and the newer denial wins.
    await container.ingestion.ingest([message("identify", user="u-2", anon="a-2", at=T0 + 6)])
    merged = await _profile(container, "user_id", "u-2")
    verdict = await container.consent.may_use(merged, "marketing", now=T0 + 9)
    assert (verdict.allowed, verdict.reason) == (False, "denied")
    assert verdict.decision is not None and verdict.decision.identifier_type == "user_id"
    assert len(await container.consent.history(merged)) == 2
    # A profile id from before the merge (a journey run started on it, a destination's item)
    # gets the same answer, one profile at a time or many at once.
    for pid in {anon_profile, merged}:
        one = await container.consent.may_use(pid, "marketing", now=T0 + 9)
        [many] = (await container.consent.may_use_many([pid], "marketing", now=T0 + 9)).values()
        assert (one.allowed, one.reason) == (many.allowed, many.reason) == (False, "denied")
        assert many.decision is not None and many.decision.identifier_type == "user_id"


async def test_the_consent_event_is_always_recorded_and_expiry_denies(
    container: Container,
) -> None:
    event = with_consent({"personalisation": True}, user="u-3", at=T0, event=CONSENT_EVENT)
    repeat = with_consent({"personalisation": True}, user="u-3", at=T0 + 1, event=CONSENT_EVENT)
    report = await container.ingestion.ingest([event, repeat])
    assert report.consents == 2  # explicit decisions are history even when unchanged
    pid = await _profile(container, "user_id", "u-3")
    clock = container.consent.clock
    _, decision = await container.consent.set_consent(
        profile_id=pid,
        identifier=None,
        purpose="Analytics",
        granted=True,
        expires_at=clock() + 3600,
        source=None,
        by="dpo",
    )
    assert decision.purpose == "analytics" and decision.source == "manual"
    now = clock()
    assert (await container.consent.may_use(pid, "analytics", now=now)).allowed
    expired = await container.consent.may_use(pid, "analytics", now=now + 7200)
    assert (expired.allowed, expired.reason) == (False, "expired")
    actions = [e.action for e in await container.audit.entries()]
    assert actions == ["consent.set"]


async def test_bad_consent_requests_are_refused_clearly(container: Container) -> None:
    await container.ingestion.ingest([message(user="u-4", at=T0)])
    pid = await _profile(container, "user_id", "u-4")
    cases: list[dict[str, Any]] = [
        {"profile_id": pid, "identifier": None, "purpose": "!!!", "expires_at": None},
        {"profile_id": pid, "identifier": None, "purpose": "marketing", "expires_at": 1.0},
        {
            "profile_id": pid,
            "identifier": ("user_id", "u-4"),
            "purpose": "marketing",
            "expires_at": None,
        },
    ]
    for case in cases:
        with pytest.raises(InvalidInput):
            await container.consent.set_consent(granted=True, source=None, by="dpo", **case)
    report = await container.ingestion.ingest(
        [with_consent({"marketing": "yes", "analytics": True}, user="u-4", at=T0 + 1)]
    )
    assert report.consents == 1  # the usable decision is kept; the other is flagged


async def test_purposes_come_from_configuration_and_can_be_added(container: Container) -> None:
    names = {p.name: p for p in await container.consent.purposes()}
    assert {"analytics", "marketing", "personalisation"} <= set(names)
    assert all(p.configured and not p.default_granted for p in names.values())
    added = await container.consent.add_purpose("Support Calls", "phone support", True, "dpo")
    assert (added.name, added.default_granted, added.configured) == ("support_calls", True, False)
    await container.ingestion.ingest([message(user="u-5", at=T0)])
    pid = await _profile(container, "user_id", "u-5")
    verdict = await container.consent.may_use(pid, "support_calls")
    assert (verdict.allowed, verdict.reason) == (True, "default_granted")


async def _denied_silent_and_granted_for_an_hour(
    container: Container,
) -> tuple[str, str, str, float]:
    """Marketing denied by the tracker, never decided, granted by the DPO for an hour from now:
    the three profiles, and now."""
    await container.ingestion.ingest(
        [
            with_consent({"marketing": False}, user="g-denied", at=T0),
            message(user="g-silent", at=T0),
            message(user="g-granted", at=T0),
        ]
    )
    denied = await _profile(container, "user_id", "g-denied")
    silent = await _profile(container, "user_id", "g-silent")
    granted = await _profile(container, "user_id", "g-granted")
    now = container.consent.clock()
    await container.consent.set_consent(
        profile_id=granted,
        identifier=None,
        purpose="marketing",
        granted=True,
        expires_at=now + 3600,
        source=None,
        by="dpo",
    )
    return denied, silent, granted, now


def _consent_read_at(container: Container, at: float) -> ConsentService:
    """The workspace's consent, with a clock that says `at`."""
    return ConsentService(
        container.consent.graph,
        container.consent.store,
        container.curation,
        container.consent.policy,
        container.audit,
        clock=lambda: at,
    )


async def test_an_action_needing_consent_is_skipped_when_denied_or_expired(
    container: Container,
) -> None:
    denied, silent, granted, now = await _denied_silent_and_granted_for_an_hour(container)
    sent: list[str] = []

    async def send() -> dict[str, Any]:
        sent.append("welcome")
        return {"delivery": "d-1"}

    gate = container.gate
    outcomes = await gate.attempt_many(
        [Attempt(pid, "marketing", "webhook:welcome", send) for pid in (denied, silent, granted)]
    )
    records = [o for o in outcomes if isinstance(o, ActionRecord)]
    assert [(o.outcome, o.reason) for o in records] == [
        ("skipped", "denied"),
        ("skipped", "no_decision"),
        ("taken", "granted"),
    ]
    assert sent == ["welcome"]
    # Two hours on, the grant has expired: the same action is skipped.
    later = _consent_read_at(container, now + 7200)
    [expired] = await ConsentGate(container.gate.store, later).attempt_many(
        [Attempt(granted, "marketing", "webhook:welcome", send)]
    )
    assert isinstance(expired, ActionRecord)
    assert (expired.outcome, expired.reason) == ("skipped", "expired") and sent == ["welcome"]

    async def broken() -> None:
        raise ConnectionError("receiver down")

    [failed] = await gate.attempt_many([Attempt(granted, "marketing", "webhook:welcome", broken)])
    assert isinstance(failed, ConnectionError)  # the action's error, after its record
    history = await gate.history(granted)
    assert [(h.outcome, h.reason) for h in history] == [
        ("failed", "ConnectionError"),
        ("skipped", "expired"),
        ("taken", "granted"),
    ]
    assert history[-1].detail == {"delivery": "d-1"}
