"""Segments on a real graph: every kind of condition, real-time membership through the change
feed, only the concerned segments re-evaluated, and time windows refreshed."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from app.adapters.valkey.keys import WorkspaceKeys
from app.bootstrap import Container
from app.domain.segments import dependencies, parse_condition
from app.errors import InvalidInput
from app.ports.segments import Decided
from app.services.engagement.segments.engine import SegmentService
from tests.messages import message
from tests.support.profiles import profile_id

pytestmark = pytest.mark.integration

DAY = 86_400.0


def seg(name: str, condition: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "condition": condition}


def at_time(container: Container, now: float) -> SegmentService:
    """The workspace's segment engine with its clock at `now` (a scheduled refresh later on)."""
    segments = container.segments
    return SegmentService(
        segments.storage,
        segments.schema,
        segments.policy,
        segments.purpose_defaults,
        clock=lambda: now,
    )


def decisions_seen(container: Container, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the segments each round decides from now on, as the rounds go."""
    evaluated: list[str] = []
    original = container.segments._decide

    async def spy(segments: list[tuple[str, Any]], plan: dict[str, list[int]]) -> Any:
        evaluated.extend(sorted({segments[n][0] for at in plan.values() for n in at}))
        return await original(segments, plan)

    monkeypatch.setattr(container.segments, "_decide", spy)
    return evaluated


async def _people(container: Container) -> dict[str, str]:
    now = container.segments.clock()
    granted = message(user="ann", at=now - 5 * DAY)
    granted = dataclasses.replace(
        granted, context={"consent": {"categoryPreferences": {"marketing": True}}}
    )
    await container.ingestion.ingest(
        [
            message(
                "identify",
                user="ann",
                email="ann@example.org",
                traits={"plan": "pro", "lifetime_value": 900},
                at=now - 60 * DAY,
            ),
            granted,
            *[message(user="ann", event="Order Completed", at=now - d * DAY) for d in (1, 3)],
            message(
                "identify",
                user="bob",
                traits={"plan": "free", "lifetime_value": 20},
                at=now - 50 * DAY,
            ),
            *[message(user="bob", event="Order Completed", at=now - d * DAY) for d in (2, 45)],
            message(
                "identify",
                user="cy",
                email="cy@example.org",
                traits={"plan": "team"},
                at=now - 10 * DAY,
            ),
        ]
    )
    return {u: await profile_id(container, "user_id", u) for u in ("ann", "bob", "cy")}


async def test_every_kind_of_condition_selects_the_right_profiles(container: Container) -> None:
    ids = await _people(container)
    names = {v: k for k, v in ids.items()}

    async def who(condition: dict[str, Any]) -> set[str]:
        total, sample = await container.segments.preview(seg("preview", condition), sample=50)
        assert total == len(sample)
        return {names[p] for p in sample}

    assert await who({"trait": "plan", "op": "eq", "value": "pro"}) == {"ann"}
    assert await who({"trait": "plan", "op": "in", "value": ["pro", "team"]}) == {"ann", "cy"}
    assert await who({"trait": "lifetime_value", "op": "gte", "value": 100}) == {"ann"}
    assert await who({"trait": "lifetime_value", "op": "missing"}) == {"cy"}
    assert await who({"identifier": "email"}) == {"ann", "cy"}
    bought_twice = {"event": "Order Completed", "min_count": 2, "within_days": 30}
    assert await who(bought_twice) == {"ann"}
    assert await who({"event": "Order Completed", "min_count": 2}) == {"ann", "bob"}
    assert await who({"event": "Order Completed", "min_count": 0, "max_count": 0}) == {"cy"}
    assert await who({"consent": "Advertising"}) == {"ann"}
    assert await who({"not": {"consent": "marketing"}}) == {"bob", "cy"}
    either = {"any": [{"trait": "plan", "op": "eq", "value": "free"}, {"identifier": "email"}]}
    assert await who(either) == {"ann", "bob", "cy"}
    both = {
        "all": [{"identifier": "email"}, {"not": {"trait": "plan", "op": "eq", "value": "pro"}}]
    }
    assert await who(both) == {"cy"}


async def test_bad_definitions_are_refused_naming_the_problem(container: Container) -> None:
    cases = [
        (seg("s", {"trait": "email", "op": "exists"}), "condition.trait: 'email' is not a plain"),
        (seg("s", {"trait": "lifetime_value", "op": "gt", "value": "lots"}), "condition.value"),
        (seg("s", {"segment": "nope"}), "condition: unknown segment(s): nope"),
        (seg("s", {"identifier": "e mail"}), "condition.identifier"),
    ]
    for raw, message_ in cases:
        with pytest.raises(InvalidInput) as caught:
            await container.segments.save(raw, "tester")
        assert str(caught.value).startswith(message_), str(caught.value)
    await container.segments.save(seg("a", {"identifier": "email"}), "tester")
    await container.segments.save(seg("b", {"segment": "a"}), "tester")
    with pytest.raises(InvalidInput, match="cycle"):
        await container.segments.save(seg("a", {"segment": "b"}), "tester")


async def test_memberships_follow_changes_through_the_feed(container: Container) -> None:
    feed = container.change_dispatcher("test")
    await feed.ensure_group()
    buyers = seg("buyers", {"event": "Order Completed", "min_count": 2, "within_days": 30})
    await container.segments.save(buyers, "tester")
    await container.segments.save(
        seg("reachable_buyers", {"all": [{"segment": "buyers"}, {"consent": "marketing"}]}),
        "tester",
    )
    await container.segments.set_active("buyers", True)
    await container.segments.set_active("reachable_buyers", True)
    now = container.segments.clock()
    await container.ingestion.ingest([message(user="dee", event="Order Completed", at=now)])
    await feed.step(block_ms=100)
    dee = await profile_id(container, "user_id", "dee")
    assert await container.segments.of_profile(dee) == []
    await container.ingestion.ingest([message(user="dee", event="Order Completed", at=now + 1)])
    await feed.step(block_ms=100)
    assert [n for n, _ in await container.segments.of_profile(dee)] == ["buyers"]
    # Consent given: she is also reachable now (a segment that depends on another follows it).
    await container.consent.set_consent(
        profile_id=dee,
        identifier=None,
        purpose="marketing",
        granted=True,
        expires_at=None,
        source=None,
        by="tester",
    )
    await feed.step(block_ms=100)
    assert [n for n, _ in await container.segments.of_profile(dee)] == [
        "buyers",
        "reachable_buyers",
    ]
    events = await container.redis.xrange(
        WorkspaceKeys(container.settings.workspace).segment_events
    )
    assert [(f[b"segment"], f[b"change"]) for _, f in events] == [
        (b"buyers", b"entered"),
        (b"reachable_buyers", b"entered"),
    ]
    # Thirty-one days on, the window has closed: the scheduled refresh lets her go.
    later = at_time(container, now + 31 * DAY)
    changes = await later.refresh()
    assert {(c.segment, c.entered) for c in changes} == {
        ("buyers", False),
        ("reachable_buyers", False),
    }


async def test_only_segments_whose_inputs_changed_are_evaluated(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    feed = container.change_dispatcher("test")
    await feed.ensure_group()
    for name, condition in [
        ("pro", {"trait": "plan", "op": "eq", "value": "pro"}),
        ("signed_up", {"event": "Signed Up"}),
    ]:
        await container.segments.save(seg(name, condition), "tester")
        await container.segments.set_active(name, True)
    await container.ingestion.ingest([message(user="eve", event="Signed Up")])
    await feed.step(block_ms=100)  # a new profile: every segment looks at it
    evaluated = decisions_seen(container, monkeypatch)
    await container.ingestion.ingest([message(user="eve", event="Viewed")])
    await feed.step(block_ms=100)
    assert evaluated == []  # no segment reads "Viewed" events
    await container.ingestion.ingest([message(user="eve", event="Signed Up")])
    await feed.step(block_ms=100)
    assert evaluated == ["signed_up"]
    evaluated.clear()
    eve = await profile_id(container, "user_id", "eve")
    await container.profiles.set_trait(eve, "plan", "pro", "tester")
    await feed.step(block_ms=100)
    assert evaluated == ["pro"]
    assert [n for n, _ in await container.segments.of_profile(eve)] == ["pro", "signed_up"]


async def test_a_new_session_joining_a_profile_decides_only_what_it_brings(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A returning visitor's new anonymous id joins their profile: its notice (`joined`, with
    the identifier's type) concerns the segments of that type and of the visit's events, not
    every segment; an identifier with a history moving in still concerns them all."""
    feed = container.change_dispatcher("test")
    await feed.ensure_group()
    segments: list[tuple[str, dict[str, Any]]] = [
        ("pro", {"trait": "plan", "op": "eq", "value": "pro"}),
        ("signed_up", {"event": "Signed Up"}),
        ("browsed", {"event": "Viewed", "min_count": 2}),
        ("with_session", {"identifier": "anonymous_id"}),
    ]
    for name, condition in segments:
        await container.segments.save(seg(name, condition), "tester")
        await container.segments.set_active(name, True)
    await container.ingestion.ingest(
        [message("identify", user="eve", traits={"plan": "pro"}), message(user="eve")]
    )
    await feed.step(block_ms=100)
    eve = await profile_id(container, "user_id", "eve")
    assert [n for n, _ in await container.segments.of_profile(eve)] == ["pro"]
    evaluated = decisions_seen(container, monkeypatch)
    received: list[tuple[str, str, tuple[str, ...]]] = []
    publish = container.notifier.publish

    async def kept(notices: Any, events: Any = ()) -> None:
        received.extend((n.profile_id, n.kind, n.related) for n in notices)
        await publish(notices, events)

    monkeypatch.setattr(container.ingestion.notifier, "publish", kept)
    await container.ingestion.ingest([message(anon="eve-tab-2", user="eve", at=1_700_000_100.0)])
    await feed.step(block_ms=100)
    identity = [r for r in received if not r[1].startswith("segment_")]
    assert identity == [(eve, "joined", ("anonymous_id",))]
    assert evaluated == ["browsed", "with_session"]
    assert [n for n, _ in await container.segments.of_profile(eve)] == [
        "browsed",
        "pro",
        "with_session",
    ]
    # An anonymous id with its own profile and events: a merge, every segment decided.
    await container.ingestion.ingest([message(anon="eve-phone", event="Signed Up")])
    await feed.step(block_ms=100)
    evaluated.clear()
    await container.ingestion.ingest([message(anon="eve-phone", user="eve", at=1_700_000_200.0)])
    await feed.step(block_ms=100)
    assert evaluated == ["browsed", "pro", "signed_up", "with_session"]
    assert "signed_up" in [n for n, _ in await container.segments.of_profile(eve)]


async def test_event_windows_count_days_in_the_profiles_time_zone(container: Container) -> None:
    # 08:00 UTC on 29 November is 22:00 the same day in Kiritimati (UTC+14).
    now = 1_795_939_200.0  # 2026-11-29T08:00:00Z
    late_yesterday_utc = now - 9 * 3600  # 2026-11-28T23:00Z: the 29th, 13:00 in Kiritimati
    for user, zone in (("kiri", "Pacific/Kiritimati"), ("london", None), ("bogus", "Mars/Olympus")):
        bought = message(user=user, event="Order Completed", at=late_yesterday_utc)
        if zone is not None:
            bought = dataclasses.replace(bought, context={"timezone": zone})
        await container.ingestion.ingest([bought])
    ids = {u: await profile_id(container, "user_id", u) for u in ("kiri", "london", "bogus")}
    at_eight = at_time(container, now)
    today = seg("bought_today", {"event": "Order Completed", "within_days": 1})
    _, sample = await at_eight.preview(today, sample=10)
    assert set(sample) == {ids["kiri"]}  # an unknown zone counts as UTC
    two_days = seg("bought_2d", {"event": "Order Completed", "within_days": 2})
    _, sample = await at_eight.preview(two_days, sample=10)
    assert set(sample) == set(ids.values())


async def test_a_tag_a_journey_puts_on_a_profile_brings_it_into_a_tag_segment(
    container: Container,
) -> None:
    """Journeys' add_tag writes the profile's tags; a `tag` condition reads them (a trait
    condition reads tracked traits, which tags are not)."""
    from app.ports.journeys import TagChange
    from app.services.changes.notices import ProfileNotice

    feed = container.change_dispatcher("test")
    await feed.ensure_group()
    await container.segments.save(seg("reminded", {"tag": "cart_reminded"}), "tester")
    await container.segments.set_active("reminded", True)
    await container.ingestion.ingest([message(user="tia", event="Product Added")])
    await feed.step(block_ms=100)
    tia = await profile_id(container, "user_id", "tia")
    assert await container.segments.of_profile(tia) == []
    # What a journey's add_tag action does: write the tag, announce a change of traits.
    marks = container.journeys.storage.marks
    await marks.change_tags([TagChange(tia, "cart_reminded")])
    await container.notifier.publish([ProfileNotice(tia, "traits")])
    await feed.step(block_ms=100)
    assert [n for n, _ in await container.segments.of_profile(tia)] == ["reminded"]
    await marks.change_tags([TagChange(tia, "cart_reminded", add=False)])
    await container.notifier.publish([ProfileNotice(tia, "traits")])
    await feed.step(block_ms=100)
    assert await container.segments.of_profile(tia) == []


async def test_a_refresh_decides_only_the_profiles_time_moved(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scheduled refresh reads, from the graph, the profiles with an event that left a
    window (in the profile's time zone) or a consent that expired since the segment's last
    refresh, and decides only those; the others keep their memberships untouched."""
    now = container.segments.clock()
    await container.ingestion.ingest(
        [
            message(user="old", event="Order Completed", at=now - 5.5 * DAY),
            message(user="new", event="Order Completed", at=now - DAY),
            dataclasses.replace(
                message(user="far", event="Order Completed", at=now - 5.5 * DAY),
                context={"timezone": "Pacific/Kiritimati"},
            ),
            message(user="idle", event="Page Viewed", at=now - 5.5 * DAY),
        ]
    )
    ids = {u: await profile_id(container, "user_id", u) for u in ("old", "new", "far", "idle")}
    await container.consent.set_consent(
        profile_id=ids["new"],
        identifier=None,
        purpose="marketing",
        granted=True,
        expires_at=now + DAY,
        source=None,
        by="tester",
    )
    recent: dict[str, Any] = {"event": "Order Completed", "within_days": 7}
    reachable: dict[str, Any] = {"consent": "marketing"}
    for name, condition in [("recent", recent), ("reachable", reachable)]:
        await container.segments.save(seg(name, condition), "tester")
        await container.segments.set_active(name, True)
    memberships = container.segments.memberships
    inputs = dependencies(parse_condition(recent, "condition")).time
    # Two days on, the orders of 5.5 days ago are out of the window (local midnight 6 days
    # back, at any time of day, in Kiritimati 14 hours ahead of UTC too); nothing else moved.
    later = now + 2 * DAY
    moved = await memberships.moved_by_time(inputs, now, later)
    assert moved == sorted([ids["old"], ids["far"]])
    assert await memberships.moved_by_time(inputs, later, later + 600) == []
    consent = dependencies(parse_condition(reachable, "condition")).time
    assert await memberships.moved_by_time(consent, now, later) == [ids["new"]]

    decided: list[str] = []
    decide = memberships.decide

    async def counting(predicates: Any, plan: Any, at: float) -> Decided:
        decided.extend(plan)
        return await decide(predicates, plan, at)

    monkeypatch.setattr(memberships, "decide", counting)
    refresher = at_time(container, later)
    changes = await refresher.refresh()
    assert sorted((c.profile_id, c.segment, c.entered) for c in changes) == sorted(
        [
            (ids["old"], "recent", False),
            (ids["far"], "recent", False),
            (ids["new"], "reachable", False),
        ]
    )
    assert sorted(decided) == sorted([ids["old"], ids["far"], ids["new"]])
