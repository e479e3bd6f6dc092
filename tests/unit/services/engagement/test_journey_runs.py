"""Journey runs on in-memory stores, step by step: triggers and re-entry, actions, waits for a
time or an event, branches, and how a run ends. No Neo4j, milliseconds."""

from __future__ import annotations

from app.domain.consent import Decision
from app.ports.journeys import SavedVersion
from tests.unit.services.engagement.journey_world import (
    ANN,
    BOB,
    NOW,
    SERIES,
    World,
    journey,
    tag,
    visits,
)


async def test_a_run_acts_waits_its_time_branches_and_completes(world: World) -> None:
    await world.define(SERIES)
    assert await world.fire(ANN) == 1
    assert await world.drain() == ["waiting"]
    assert world.stores.marks.tags == {ANN: ["welcomed"]}
    assert (await world.journeys.get("onboarding")).running == 1
    world.now += 3599
    assert await world.drain() == []  # not due yet
    world.now += 1
    assert await world.drain() == ["completed"]
    run = await world.run_of(ANN)
    assert visits(run) == [
        ("hello", "taken"),
        ("pause", "waiting"),
        ("pause", "waited"),
        ("check", "else"),
        ("nudge", "taken"),
    ]
    assert (run.status, run.exit_reason) == ("completed", "reached the end")
    assert world.stores.marks.tags == {ANN: ["welcomed", "nudged"]}
    assert (await world.journeys.get("onboarding")).running == 0
    assert (await world.journeys.stats("onboarding"))["pause"] == {"waited": 1, "waiting": 1}


async def test_a_branch_whose_condition_is_met_takes_then_and_an_exit_step_ends_the_run(
    world: World,
) -> None:
    await world.define(SERIES)
    world.segments.members.add(ANN)
    await world.fire(ANN, BOB)
    assert await world.drain() == ["waiting", "waiting"]
    world.now += 3600
    assert sorted(await world.drain()) == ["completed", "exited"]
    ann, bob = await world.run_of(ANN), await world.run_of(BOB)
    assert visits(ann)[-2:] == [("check", "then"), ("bye", "exited")]
    assert (ann.status, ann.exit_reason) == ("exited", "exit step")
    assert (bob.status, visits(bob)[-1]) == ("completed", ("nudge", "taken"))


WAIT_FOR_ORDER = journey(
    {
        "await": {
            "type": "wait",
            "until_event": "Order Completed",
            "timeout_seconds": 600,
            "next": "thank",
            "on_timeout": "nudge",
        },
        "thank": tag("thanked"),
        "nudge": tag("nudged"),
    },
    "await",
)


async def test_the_awaited_event_resumes_a_run_and_its_timeout_job_finds_it_moved(
    world: World,
) -> None:
    await world.define(WAIT_FOR_ORDER)
    await world.fire(ANN)
    assert await world.drain() == ["waiting"]
    assert await world.fire(ANN, event="Order Completed") == 0  # resumes, starts nothing
    assert await world.drain() == ["completed"]
    world.now += 600
    assert await world.drain() == ["stale"]  # the timeout lost to the event
    assert visits(await world.run_of(ANN)) == [
        ("await", "waiting"),
        ("await", "event_arrived"),
        ("thank", "taken"),
    ]
    assert world.stores.marks.tags == {ANN: ["thanked"]}


async def test_an_awaited_event_that_never_comes_takes_the_timeout_path(world: World) -> None:
    await world.define(WAIT_FOR_ORDER)
    await world.fire(ANN)
    await world.drain()
    await world.fire(ANN, event="Something Else")
    world.now += 600
    assert await world.drain() == ["completed"]
    assert visits(await world.run_of(ANN))[1:] == [("await", "timed_out"), ("nudge", "taken")]
    assert world.stores.marks.tags == {ANN: ["nudged"]}


async def test_a_profile_in_flight_enters_again_only_when_reentry_allows_it(
    world: World,
) -> None:
    await world.define(SERIES)
    assert await world.fire(ANN) == 1
    assert await world.fire(ANN) == 0
    await world.define({**SERIES, "name": "again", "reentry": True})
    assert await world.fire(BOB) == 2  # one run of each journey
    assert await world.fire(BOB) == 1  # only `again` lets BOB in twice


async def test_an_action_for_a_purpose_is_skipped_without_consent_and_the_run_goes_on(
    world: World,
) -> None:
    await world.define(journey({"hello": tag("promo", purpose="marketing")}, "hello"))
    world.consent.record(BOB, Decision("d-1", "marketing", True, NOW - 60, "web"))
    await world.fire(ANN, BOB)
    assert await world.drain() == ["completed", "completed"]
    assert world.stores.marks.tags == {BOB: ["promo"]}
    [ann] = await world.journeys.gate.history(ANN)
    [bob] = await world.journeys.gate.history(BOB)
    assert (ann.action, ann.outcome, ann.reason) == (
        "journey:onboarding:hello",
        "skipped",
        "no_decision",
    )
    assert (bob.outcome, bob.reason) == ("taken", "granted")
    assert visits(await world.run_of(ANN)) == [("hello", "skipped")]


async def test_a_failed_action_fails_the_run_with_the_step_named(world: World) -> None:
    emit = {"type": "action", "action": {"kind": "emit_event", "event": "Welcomed"}}
    await world.define(journey({"emit": emit}, "emit"))
    await world.fire(ANN)  # ANN has no identifier to own the event
    assert await world.drain() == ["failed"]
    run = await world.run_of(ANN)
    assert (run.status, run.exit_reason, visits(run)) == (
        "failed",
        "emit failed",
        [("emit", "failed")],
    )
    assert (await world.journeys.get("onboarding")).running == 0


async def test_a_rounds_emitted_events_are_one_write_and_each_run_gets_its_own_outcome(
    world: World,
) -> None:
    emit = {"type": "action", "action": {"kind": "emit_event", "event": "Welcomed"}}
    await world.define(journey({"emit": emit}, "emit"))
    world.stores.marks.owners[ANN] = "test:user_id:k1:ann"  # BOB has no identifier left
    await world.fire(ANN, BOB)
    assert sorted(await world.drain()) == ["completed", "failed"]
    [written] = world.stores.marks.emit_writes
    assert list(world.stores.marks.events) == written
    assert visits(await world.run_of(ANN)) == [("emit", "taken")]
    assert visits(await world.run_of(BOB)) == [("emit", "failed")]
    [event] = world.stores.marks.events.values()
    assert (event.owner, event.name, event.source) == (
        "test:user_id:k1:ann",
        "Welcomed",
        "journey:onboarding",
    )


async def test_an_event_whose_owner_was_re_keyed_meanwhile_is_sealed_again_for_the_new_key(
    world: World,
) -> None:
    emit = {"type": "action", "action": {"kind": "emit_event", "event": "Welcomed"}}
    await world.define(journey({"emit": emit}, "emit"))
    world.stores.marks.owners[ANN] = "test:user_id:k1:ann"
    world.stores.marks.rekey_before_emit = {ANN: "test:user_id:k2:ann"}
    await world.fire(ANN)
    assert await world.drain() == ["completed"]
    assert len(world.stores.marks.emit_writes) == 2  # refused for the old key, then stored
    [event] = world.stores.marks.events.values()
    assert event.owner == "test:user_id:k2:ann"


async def test_a_run_whose_version_no_longer_validates_fails(world: World) -> None:
    await world.define(SERIES)
    await world.fire(ANN)
    # A plugin gone since: the version no longer parses, in a worker that had not cached it.
    world.stores.definitions.journeys["onboarding"].versions[1] = SavedVersion({}, None, None)
    world.journeys.catalog._versions.clear()
    assert await world.drain() == ["failed"]
    run = await world.run_of(ANN)
    assert run.status == "failed" and run.exit_reason is not None
    assert run.exit_reason.startswith("the stored definition no longer validates")
