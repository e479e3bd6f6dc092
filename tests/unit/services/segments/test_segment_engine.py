"""The segment engine on in-memory stores: who enters and leaves, which segments a change
makes it decide, and in which order."""

from __future__ import annotations

from typing import Any

import pytest

from app.domain.segments import parse_condition
from app.errors import InvalidInput
from app.ports.segments import Decided, MembershipChange
from app.services.changes.profile_changes import ProfileChanges
from tests.fakes.segment_predicates import FakeConsent
from tests.support.clock import Clock
from tests.unit.services.segments.world import DAY, T0, segment_world

PRO = {"trait": "plan", "op": "eq", "value": "pro"}


def changed(profile_id: str, kind: str, *related: str) -> ProfileChanges:
    changes = ProfileChanges()
    changes.add(profile_id, kind, related)
    return changes


def stored_event(profile_id: str, name: str) -> ProfileChanges:
    changes = ProfileChanges()
    changes.add_event(profile_id, name)
    return changes


async def test_a_profile_enters_once_and_leaves_when_it_no_longer_meets_the_condition() -> None:
    world = segment_world()
    ann = world.fakes.tables.add_profile("p-ann", traits={"plan": "free"})
    await world.activate("pro", PRO)
    assert await world.segments_of("p-ann") == []

    ann.traits["plan"] = "pro"
    assert await world.service.on_changes(changed("p-ann", "traits", "plan")) == [
        MembershipChange("p-ann", "pro", True, T0)
    ]
    assert await world.service.on_changes(changed("p-ann", "traits", "plan")) == []
    assert await world.segments_of("p-ann") == ["pro"]

    ann.traits["plan"] = "team"
    world.clock.now = T0 + 60
    left = await world.service.on_changes(changed("p-ann", "traits"))  # no names: any trait
    assert left == [MembershipChange("p-ann", "pro", False, T0 + 60)]
    assert await world.segments_of("p-ann") == []
    # Announced to the segment event stream and as profile notices, in the order they happened.
    assert [(c.segment, c.entered) for c in world.fakes.events.appended] == [
        ("pro", True),
        ("pro", False),
    ]
    assert world.notices() == [
        ("p-ann", "segment_entered", ("pro",)),
        ("p-ann", "segment_left", ("pro",)),
    ]


async def test_only_the_segments_whose_inputs_changed_are_decided() -> None:
    world = segment_world()
    await world.activate("pro", PRO)
    await world.activate("signed_up", {"event": "Signed Up"})
    # Eve meets both conditions already, but no change has said so yet.
    world.fakes.tables.add_profile("p-eve", traits={"plan": "pro"}, events=[("Signed Up", T0)])

    assert await world.service.on_changes(stored_event("p-eve", "Viewed")) == []
    assert await world.service.on_changes(changed("p-eve", "traits", "company")) == []
    entered = await world.service.on_changes(stored_event("p-eve", "Signed Up"))
    assert [c.segment for c in entered] == ["signed_up"]
    entered = await world.service.on_changes(changed("p-eve", "traits", "plan"))
    assert [c.segment for c in entered] == ["pro"]


async def test_a_decision_that_keeps_every_membership_writes_nothing() -> None:
    world = segment_world()
    world.fakes.tables.add_profile("p-ann", traits={"plan": "pro"})
    bob = world.fakes.tables.add_profile("p-bob", traits={"plan": "free"})
    await world.activate("pro", PRO)
    assert await world.segments_of("p-ann") == ["pro"]
    both = changed("p-ann", "traits", "plan")
    both.add("p-bob", "traits", ("plan",))
    writes = world.fakes.transactions.count
    assert await world.service.on_changes(both) == []
    assert world.fakes.transactions.count == writes  # Ann stays in, Bob stays out
    bob.traits["plan"] = "pro"
    entered = await world.service.on_changes(both)
    assert entered == [MembershipChange("p-bob", "pro", True, T0)]
    assert world.fakes.transactions.count == writes + 1


async def test_identifiers_seen_for_the_first_time_decide_only_their_types_segments() -> None:
    world = segment_world()
    await world.activate("pro", PRO)
    await world.activate("has_email", {"identifier": "email"})
    await world.activate("signed_up", {"event": "Signed Up"})
    world.fakes.tables.add_profile(
        "p-eve", traits={"plan": "pro"}, identifiers={"email"}, events=[("Signed Up", T0)]
    )
    assert await world.service.on_changes(changed("p-eve", "joined", "anonymous_id")) == []
    entered = await world.service.on_changes(changed("p-eve", "joined", "email"))
    assert [c.segment for c in entered] == ["has_email"]
    entered = await world.service.on_changes(changed("p-eve", "identifiers"))
    assert sorted(c.segment for c in entered) == ["pro", "signed_up"]


async def test_a_new_or_merged_profile_is_decided_for_every_segment() -> None:
    world = segment_world()
    await world.activate("pro", PRO)
    await world.activate("has_email", {"identifier": "email"})
    bob = world.fakes.tables.add_profile("p-bob", traits={"plan": "pro"}, identifiers={"email"})
    entered = await world.service.on_changes(changed("p-bob", "created"))
    assert sorted(c.segment for c in entered) == ["has_email", "pro"]

    bob.status = "merged"  # a merged profile meets no condition: it leaves everything
    left = await world.service.on_changes(changed("p-bob", "merged_into", "p-other"))
    assert sorted((c.segment, c.entered) for c in left) == [("has_email", False), ("pro", False)]


async def test_a_segment_made_of_another_follows_it_in_the_same_round() -> None:
    world = segment_world()
    await world.activate("vip", {"tag": "vip"})
    await world.activate("reachable_vip", {"all": [{"segment": "vip"}, {"identifier": "email"}]})
    cy = world.fakes.tables.add_profile("p-cy", identifiers={"email"})

    cy.tags.append("vip")  # what a journey's add_tag does, announced as a change of traits
    entered = await world.service.on_changes(changed("p-cy", "traits"))
    assert [c.segment for c in entered] == ["vip", "reachable_vip"]

    cy.tags.clear()
    left = await world.service.on_changes(changed("p-cy", "traits"))
    assert [(c.segment, c.entered) for c in left] == [("vip", False), ("reachable_vip", False)]


async def test_a_consent_decision_moves_the_segments_with_a_consent_condition() -> None:
    world = segment_world()
    await world.activate("reachable", {"consent": "marketing"})
    dee = world.fakes.tables.add_profile("p-dee")
    assert await world.service.on_changes(changed("p-dee", "created")) == []  # default: denied
    dee.consents.append(FakeConsent("marketing", True, T0 - 10))
    entered = await world.service.on_changes(changed("p-dee", "consent"))
    assert [c.segment for c in entered] == ["reachable"]


async def test_the_refresh_lets_members_go_when_their_window_closes() -> None:
    clock = Clock(T0)
    world = segment_world(clock)
    buyers = {"event": "Order Completed", "min_count": 2, "within_days": 30}
    world.fakes.tables.add_profile(
        "p-ann", events=[("Order Completed", T0 - 5 * DAY), ("Order Completed", T0 - DAY)]
    )
    world.fakes.tables.add_profile("p-bob", events=[("Order Completed", T0 - DAY)])
    await world.activate("buyers", buyers)  # activation decides every profile
    await world.activate("pro", PRO)  # no window: never refreshed
    assert await world.segments_of("p-ann") == ["buyers"]
    assert await world.service.refresh() == []

    clock.now = T0 + 26 * DAY  # the first order is out of the window
    assert await world.service.refresh() == [
        MembershipChange("p-ann", "buyers", False, T0 + 26 * DAY)
    ]


async def test_the_refresh_decides_only_the_profiles_time_moved() -> None:
    """Between two refreshes, time changes a windowed count only for a profile with an event
    that left the window, and a consent only for a profile whose decision expired: only
    those are decided again, at any size of the workspace."""
    clock = Clock(T0)
    world = segment_world(clock)
    recent = {"event": "Order Completed", "within_days": 7}
    reachable = {"consent": "marketing"}
    world.fakes.tables.add_profile("p-old", events=[("Order Completed", T0 - 6 * DAY)])
    world.fakes.tables.add_profile("p-new", events=[("Order Completed", T0 - DAY)])
    expiring = world.fakes.tables.add_profile("p-dee")
    expiring.consents.append(FakeConsent("marketing", True, T0 - 10, expires_at=T0 + DAY))
    world.fakes.tables.add_profile("p-eve").consents.append(FakeConsent("marketing", True, T0 - 10))
    for n in range(50):
        world.fakes.tables.add_profile(f"p-idle-{n:02}")
    await world.activate("recent", recent)
    await world.activate("reachable", reachable)
    decided: list[str] = []
    decide = world.fakes.memberships.decide

    async def counting(predicates: Any, plan: Any, now: float) -> Decided:
        decided.extend(plan)
        return await decide(predicates, plan, now)

    world.fakes.memberships.decide = counting  # type: ignore[method-assign]
    clock.now = T0 + 3 * DAY  # p-old's order is out of the window; p-dee's consent expired
    changes = await world.service.refresh()
    assert sorted((c.profile_id, c.segment, c.entered) for c in changes) == [
        ("p-dee", "reachable", False),
        ("p-old", "recent", False),
    ]
    assert sorted(decided) == ["p-dee", "p-old"]

    decided.clear()
    clock.now = T0 + 3 * DAY + 600  # ten minutes on: nothing left a window, nothing expired
    assert await world.service.refresh() == []
    assert decided == []


async def test_a_segment_refreshed_for_the_first_time_is_decided_for_every_profile() -> None:
    """A segment that has neither a refresh nor a whole evaluation to go by (one stored before
    refreshes were marked) is decided again everywhere, once."""
    clock = Clock(T0)
    world = segment_world(clock)
    world.fakes.tables.add_profile("p-old", events=[("Order Completed", T0 - 6 * DAY)])
    await world.activate("recent", {"event": "Order Completed", "within_days": 7})
    world.fakes.tables.segments["recent"].refreshed_at = None
    clock.now = T0 + 3 * DAY
    assert [c.profile_id for c in await world.service.refresh()] == ["p-old"]
    assert world.fakes.tables.segments["recent"].refreshed_at == T0 + 3 * DAY


async def test_matches_answers_for_active_profiles_only() -> None:
    world = segment_world()
    world.fakes.tables.add_profile("p-1", traits={"plan": "pro"})
    world.fakes.tables.add_profile("p-2", traits={"plan": "free"})
    world.fakes.tables.add_profile("p-3", traits={"plan": "pro"}, status="merged")
    found = await world.service.matches(parse_condition(PRO, "where"), ["p-1", "p-2", "p-3", "p-4"])
    assert found == {"p-1"}
    total, sample = await world.service.preview({"name": "x", "condition": PRO}, sample=5)
    assert (total, sample) == (1, ["p-1"])


async def test_definitions_that_cannot_be_kept_are_refused_naming_the_problem() -> None:
    world = segment_world()
    cases = [
        ({"trait": "email", "op": "exists"}, "condition.trait: 'email' is not a plain"),
        ({"trait": "lifetime_value", "op": "gt", "value": "lots"}, "condition.value"),
        ({"segment": "nope"}, "condition: unknown segment(s): nope"),
        ({"identifier": "e mail"}, "condition.identifier"),
    ]
    for condition, problem in cases:
        with pytest.raises(InvalidInput) as caught:
            await world.service.save({"name": "s", "condition": condition}, "tester")
        assert str(caught.value).startswith(problem), str(caught.value)
    await world.service.save({"name": "a", "condition": {"identifier": "email"}}, "tester")
    await world.service.save({"name": "b", "condition": {"segment": "a"}}, "tester")
    with pytest.raises(InvalidInput, match="cycle"):
        await world.service.save({"name": "a", "condition": {"segment": "b"}}, "tester")
    assert [(s.name, s.version) for s in await world.service.all()] == [("a", 1), ("b", 1)]
