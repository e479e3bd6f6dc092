"""Journey runs on in-memory stores, job by job: batches of runs per job, duplicate and retried
jobs, crashes and outages mid-round, and the sweep that hands over runs no job carries."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from app.domain.consent import Decision
from app.domain.segments import Condition
from app.ports.actions import ActionRecord
from app.ports.journeys import TagChange
from app.services.engagement.journeys.runs import Visit
from app.services.engagement.journeys.service import (
    ACTIVE_STALLED_SECONDS,
    WAITING_STALLED_SECONDS,
)
from app.services.engagement.journeys.stepping import RESCUE_DEFER_SECONDS, RUNS_PER_JOB
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


async def test_a_duplicate_job_does_nothing(world: World) -> None:
    await world.define(SERIES)
    await world.fire(ANN)
    [(run_id, seq)] = world.queue.runs
    assert await world.journeys.step(run_id, seq) == "waiting"
    assert await world.journeys.step(run_id, seq) == "stale"
    assert world.stores.marks.log == [(ANN, "+welcomed")]


async def test_a_job_run_again_after_a_crash_emits_its_event_once(world: World) -> None:
    emit = {"type": "action", "action": {"kind": "emit_event", "event": "Welcomed"}}
    await world.define(journey({"emit": emit}, "emit"))
    world.stores.marks.owners[ANN] = "test:user_id:k1:ann"
    crashes = [ConnectionError("Neo4j went away")]

    def crash(run_id: str, seq: int) -> None:
        if crashes:
            raise crashes.pop()

    world.stores.runs.before_advance = crash
    await world.fire(ANN)
    [(run_id, _)] = world.queue.runs
    with pytest.raises(ConnectionError):
        await world.drain()
    assert visits(await world.run_of(ANN)) == [("emit", "started")]  # the move rolled back
    assert await world.journeys.step(run_id, 0) == "completed"  # arq runs the job again
    assert list(world.stores.marks.events) == [f"test:journey:{run_id}:0"]
    assert visits(await world.run_of(ANN)) == [("emit", "taken")]


async def test_a_retried_job_that_finds_its_action_recorded_does_not_act_again(
    world: World,
) -> None:
    await world.define(journey({"hello": tag("welcomed")}, "hello"))
    await world.fire(ANN)
    [(run_id, _)] = world.queue.runs
    # Its first attempt acted and recorded it, then lost the move to nobody (a crash).
    run = (await world.journeys.runs.read([run_id])).get(run_id)
    assert run is not None
    step = (await world.journeys.catalog.version("onboarding", 1)).journey.steps["hello"]
    await world.journeys.runs.record([(run, step, Visit("taken", "no purpose needed"))])
    assert await world.drain() == ["completed"]
    assert world.stores.marks.log == []
    assert visits(await world.run_of(ANN)) == [("hello", "taken")]


PEOPLE = [f"p-{i:03}" for i in range(120)]


async def test_one_job_carries_a_batch_of_runs_with_a_few_transactions_per_round(
    world: World,
) -> None:
    await world.define(SERIES)
    world.segments.members.update(PEOPLE[:40])
    assert await world.fire(*PEOPLE) == 120
    assert len(world.queue.jobs) == 1  # one job for every run the changes started
    before = world.stores.transactions.count
    assert await world.drain() == ["waiting"] * 120
    # The job stamps the 120 runs it takes on; round one records their actions as started,
    # then moves them; round two moves them into their wait: four transactions, not a few
    # per run.
    assert world.stores.transactions.count - before == 4
    world.now += 3600
    before = world.stores.transactions.count
    assert sorted(await world.drain()) == ["completed"] * 80 + ["exited"] * 40
    assert world.stores.transactions.count - before <= 4
    assert world.segments.asked == [sorted(PEOPLE)]  # one question for the whole branch
    assert world.stores.marks.tags[PEOPLE[0]] == ["welcomed"]
    assert world.stores.marks.tags[PEOPLE[-1]] == ["welcomed", "nudged"]
    assert visits(await world.run_of(PEOPLE[-1])) == [
        ("hello", "taken"),
        ("pause", "waiting"),
        ("pause", "waited"),
        ("check", "else"),
        ("nudge", "taken"),
    ]


async def test_more_runs_than_a_job_carries_are_split_over_jobs(world: World) -> None:
    await world.define(journey({"hello": tag("welcomed")}, "hello"))
    many = [f"p-{i:04}" for i in range(RUNS_PER_JOB + 5)]
    await world.fire(*many)
    assert [len(runs) for _, runs in world.queue.jobs] == [RUNS_PER_JOB, 5]
    assert await world.drain() == ["completed"] * len(many)


async def test_a_backing_service_down_in_one_action_keeps_the_others_moves_and_carries_them(
    world: World,
) -> None:
    # Actions for a purpose are taken one by one once the gate lets them through (tags
    # without a purpose are one write for the round: they land or fail together, below).
    welcome = tag("welcomed", "bye", purpose="marketing")
    await world.define(journey({"hello": welcome, "bye": {"type": "exit"}}, "hello"))
    for person in (ANN, BOB):
        world.consent.record(person, Decision(f"d-{person}", "marketing", True, NOW - 60, "web"))
    marks = world.stores.marks
    marks.unreachable = lambda profile_id, tag: profile_id == BOB
    await world.fire(ANN, BOB)
    [job] = world.queue.jobs
    with pytest.raises(ConnectionError):
        await world.drain()
    assert visits(await world.run_of(ANN)) == [("hello", "taken")]  # moved before the raise
    assert visits(await world.run_of(BOB)) == [("hello", "started")]
    ann = await world.run_of(ANN)
    # The run it moved is handed to a new job first: the retry carries ANN's old position.
    assert world.queue.jobs == [(world.now + RESCUE_DEFER_SECONDS, [(ann.id, 1)])]
    marks.unreachable = lambda profile_id, tag: False
    found = await world.journeys.runs.read([run_id for run_id, _ in job[1]])
    profile_of = {run_id: run.profile for run_id, run in found.items()}
    again = await world.journeys.step_many(job[1])  # arq runs the job again
    assert {profile_of[r]: outcome for r, outcome in again.items()} == {
        ANN: "stale",
        BOB: "exited",
    }
    world.now += RESCUE_DEFER_SECONDS
    assert await world.drain() == ["exited"]
    assert marks.log == [(ANN, "+welcomed"), (BOB, "+welcomed")]  # nobody tagged twice
    for person in (ANN, BOB):
        assert visits(await world.run_of(person)) == [("hello", "taken"), ("bye", "exited")]


async def test_a_rounds_tags_without_a_purpose_are_one_write_landing_together(
    world: World,
) -> None:
    await world.define(journey({"hello": tag("welcomed", "bye"), "bye": {"type": "exit"}}, "hello"))
    marks = world.stores.marks
    writes: list[int] = []
    change_tags = marks.change_tags

    async def counted(changes: Sequence[TagChange]) -> None:
        writes.append(len(changes))
        await change_tags(changes)

    marks.change_tags = counted  # type: ignore[method-assign]
    marks.unreachable = lambda profile_id, tag: profile_id == BOB
    await world.fire(ANN, BOB)
    [job] = world.queue.jobs
    with pytest.raises(ConnectionError):
        await world.drain()
    # The write failed whole: nobody tagged, nobody moved, the job runs again.
    assert marks.log == [] and writes == [2]
    for person in (ANN, BOB):
        assert visits(await world.run_of(person)) == [("hello", "started")]
    assert world.queue.jobs == []  # no run moved: nothing to hand over
    marks.unreachable = lambda profile_id, tag: False
    again = await world.journeys.step_many(job[1])  # arq runs the job again
    assert sorted(again.values()) == ["exited", "exited"]
    assert writes == [2, 2] and sorted(marks.log) == [(ANN, "+welcomed"), (BOB, "+welcomed")]


async def test_the_sweep_hands_over_runs_no_job_carries(world: World) -> None:
    await world.define(SERIES)
    await world.fire(ANN, BOB)
    world.queue.jobs.clear()  # a worker died between starting the runs and queueing them
    assert await world.journeys.resume_stalled() == 0  # they may still be in a job's hands
    world.now += ACTIVE_STALLED_SECONDS + 1
    assert await world.journeys.resume_stalled() == 2
    assert await world.drain() == ["waiting", "waiting"]
    world.queue.jobs.clear()  # their wake-up job is lost too
    world.now += 3600 + WAITING_STALLED_SECONDS - 1
    assert await world.journeys.resume_stalled() == 0  # not late enough to be missed
    world.now += 2
    assert await world.journeys.resume_stalled() == 2
    assert sorted(await world.drain()) == ["completed", "completed"]
    assert (await world.journeys.get("onboarding")).running == 0


async def test_a_rounds_actions_for_a_purpose_pass_the_consent_gate_together(
    world: World,
) -> None:
    await world.define(journey({"hello": tag("promo", purpose="marketing")}, "hello"))
    world.actions.profiles.update(PEOPLE)
    for person in PEOPLE[::2]:
        world.consent.record(person, Decision(f"d-{person}", "marketing", True, NOW - 60, "web"))
    writes: list[int] = []
    record_many = world.actions.record_many

    async def counted(records: Sequence[tuple[str, ActionRecord]]) -> set[str]:
        writes.append(len(records))
        return await record_many(records)

    world.actions.record_many = counted  # type: ignore[method-assign]
    await world.fire(*PEOPLE, "p-gone")  # the last one is no profile of the workspace
    assert await world.drain() == ["completed"] * 120 + ["failed"]
    assert writes == [121]  # one write records every action of the round
    assert sorted(world.stores.marks.tags) == PEOPLE[::2]  # only with consent
    [granted] = await world.journeys.gate.history(PEOPLE[0])
    [refused] = await world.journeys.gate.history(PEOPLE[1])
    assert (granted.outcome, granted.reason) == ("taken", "granted")
    assert (refused.outcome, refused.reason) == ("skipped", "no_decision")
    assert visits(await world.run_of("p-gone")) == [("hello", "failed")]
    assert (await world.run_of("p-gone")).exit_reason == "hello failed"


async def test_a_consent_read_that_fails_leaves_the_rounds_other_actions_recorded(
    world: World,
) -> None:
    await world.define(journey({"hello": tag("welcomed")}, "hello"))
    await world.define(
        {**journey({"promo": tag("promo", purpose="marketing")}, "promo"), "name": "ads"}
    )
    world.consent.record(BOB, Decision("d-1", "marketing", True, NOW - 60, "web"))

    async def unreachable(
        profile_ids: Sequence[str], purpose: str
    ) -> tuple[dict[str, list[Decision]], bool | None]:
        raise ConnectionError("Neo4j went away")

    world.consent.verdict_inputs_of_many = unreachable  # type: ignore[method-assign]
    await world.fire(ANN, BOB)
    [job] = world.queue.jobs  # one job carries the four runs of both journeys
    assert len(job[1]) == 4
    with pytest.raises(ConnectionError):
        await world.drain()
    # The actions without a purpose were taken and their runs moved; the others wait.
    for person in (ANN, BOB):
        by_journey = {r.journey: r for r in await world.journeys.runs_of(person)}
        assert by_journey["onboarding"].status == "completed"
        assert visits(by_journey["ads"]) == [("promo", "started")]
    assert world.stores.marks.log == [(ANN, "+welcomed"), (BOB, "+welcomed")]


async def test_a_run_this_job_moved_whose_next_action_meets_an_outage_is_carried_on(
    world: World,
) -> None:
    await world.define(journey({"hello": tag("welcomed", "again"), "again": tag("again")}, "hello"))
    marks = world.stores.marks
    marks.unreachable = lambda profile_id, tag: (profile_id, tag) == (BOB, "again")
    await world.fire(ANN, BOB)
    [job] = world.queue.jobs
    with pytest.raises(ConnectionError):
        await world.drain()
    # Both moved by the job in its first round; the second round's tags are one write, which
    # failed for both: both are handed to a new job, and the retry finds them stale.
    moved = [await world.run_of(person) for person in (ANN, BOB)]
    assert {(r.status, r.step) for r in moved} == {("active", "again")}
    assert sorted(world.queue.runs) == sorted((r.id, 1) for r in moved)
    marks.unreachable = lambda profile_id, tag: False
    assert sorted((await world.journeys.step_many(job[1])).values()) == ["stale", "stale"]
    world.now += RESCUE_DEFER_SECONDS
    assert await world.drain() == ["completed", "completed"]
    for person in (ANN, BOB):
        assert visits(await world.run_of(person)) == [("hello", "taken"), ("again", "taken")]
    assert sorted(marks.log) == [
        (ANN, "+again"),
        (ANN, "+welcomed"),
        (BOB, "+again"),
        (BOB, "+welcomed"),
    ]


async def test_a_job_stamps_the_runs_it_takes_on_so_the_sweep_leaves_them(world: World) -> None:
    await world.define(SERIES)
    await world.fire(ANN)
    [(run_id, _)] = world.queue.runs
    world.now += ACTIVE_STALLED_SECONDS + 1
    run = (await world.journeys.runs.read([run_id])).get(run_id)
    assert run is not None
    # What a job's first write does for the runs it carries on without moving them.
    assert await world.journeys.runs.apply([], touched=[run]) == {}
    assert await world.journeys.resume_stalled() == 0
    world.now += ACTIVE_STALLED_SECONDS + 1
    assert await world.journeys.resume_stalled() == 1


async def test_a_run_that_cannot_be_carried_fails_alone_and_lets_its_batch_go_on(
    world: World,
) -> None:
    branch = {"type": "branch", "condition": {"event": "Order Completed"}, "then": None}
    await world.define(
        journey({"check": {**branch, "else": "nudge"}, "nudge": tag("nudged")}, "check")
    )
    asked = world.segments.matches

    async def refuses_bob(condition: Condition, profile_ids: list[str]) -> set[str]:
        if BOB in profile_ids:
            raise ValueError("a value the query refuses")
        return await asked(condition, profile_ids)

    world.segments.matches = refuses_bob  # type: ignore[method-assign]
    await world.fire(ANN, BOB, "p-cat")
    assert await world.drain() == ["continued"] * 3 + ["completed", "failed", "completed"]
    assert world.queue.jobs == []  # nothing left queued
    bob = await world.run_of(BOB)
    assert (bob.status, bob.exit_reason) == ("failed", "ValueError while carrying the run")
    assert world.stores.marks.tags == {ANN: ["nudged"], "p-cat": ["nudged"]}
