"""Journey runs carried on many at a time: a job takes a batch of (run id, seq) and walks its
runs in rounds, one step each per round, so that a round reads, records and moves all its
runs with one query each instead of a few transactions per run and step.

What the one-run-at-a-time design guaranteed still holds per run: a run moves only from the
seq its job was given (a duplicate or late job finds it moved and does nothing for it); an
action's visit is recorded as started before the action and completed with the move that
follows, so a job run again after a crash finds what its first attempt did and never takes an
action twice (a webhook sent again carries the same idempotency key).
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from app.domain.access import Role
from app.domain.journeys import Step
from app.domain.segments import Condition
from app.errors import InvalidInput, NotFound
from app.ports.journey_runs import RunChanges
from app.services.engagement.journeys.acting import StepActions
from app.services.engagement.journeys.catalog import JourneyCatalog
from app.services.engagement.journeys.runs import FINISHED, Move, Run, Runs, Visit, advance
from app.supervision import BACKING_SERVICE_DOWN

log = logging.getLogger(__name__)

#: Rounds (steps of each run) one job takes before handing its runs to the next job (a guard
#: against a journey looping through steps that never wait, not a limit users see).
STEPS_PER_JOB = 50
#: Runs one job carries at most; more are handed over in several jobs.
RUNS_PER_JOB = 200
#: How long (s) the runs a failing job moved wait before their new job runs.
RESCUE_DEFER_SECONDS = 5.0
#: Actions of one round taken at once (each is a few round trips to Neo4j or a webhook).
ACTIONS_AT_ONCE = 8

#: Hands runs to a later job: ((run id, seq), ...) and the seconds to defer it by.
Enqueue = Callable[[Sequence[tuple[str, int]], float], Awaitable[None]]


class Membership(Protocol):
    """What a branch asks of the segment engine."""

    async def matches(self, condition: Condition, profile_ids: list[str]) -> set[str]:
        """The profiles among these that meet the condition now."""


@dataclass(frozen=True)
class _Act:
    run: Run
    step: Step
    role: Role | None


class RunStepper:
    def __init__(
        self,
        runs: Runs,
        catalog: JourneyCatalog,
        actions: StepActions,
        segments: Membership,
        enqueue: Enqueue,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.runs = runs
        self.catalog = catalog
        self.actions = actions
        self.segments = segments
        self.enqueue = enqueue
        self.clock = clock

    async def hand_over(self, runs: Iterable[tuple[str, int]], defer: float = 0.0) -> None:
        """Queue jobs for these runs, at most RUNS_PER_JOB a job."""
        pending = list(runs)
        for at in range(0, len(pending), RUNS_PER_JOB):
            await self.enqueue(pending[at : at + RUNS_PER_JOB], defer)

    async def step(self, due: Sequence[tuple[str, int]]) -> dict[str, str]:
        """The job: carry each run on from its seq until it waits or ends. Answers what became
        of each run: `stale` (moved by another job, or gone), `waiting`, `continued` (handed to
        the next job), or the status it ended with."""
        results: dict[str, str] = {}
        found = await self.runs.read(list(dict.fromkeys(run_id for run_id, _ in due)))
        first: list[Move] = []
        for run_id, seq in due:
            run = found.get(run_id)
            if run is None or run.status in FINISHED or run.seq != seq or run_id in results:
                results.setdefault(run_id, "stale")
                continue
            results[run_id] = "stale"  # until a move of this job says otherwise
            first.append(await self._start_visit(run))
        #: Where each run this job carries stands now (moved by it, or as it was given).
        held: dict[str, Run] = {m.run.id: m.run for m in first}
        try:
            live = await self._apply(first, results, held, first_write=True)
            for _ in range(STEPS_PER_JOB):
                if not live:
                    break
                live, down = await self._apply_round(live, results, held)
                if down is not None:
                    raise down  # the job runs again for the runs it did not move
        except BaseException as exc:
            await self._rescue(held, dict(due))
            if not isinstance(exc, Exception) or isinstance(exc, BACKING_SERVICE_DOWN):
                raise  # arq runs the job again once Neo4j and Valkey answer
            return await self._isolate(held, due, results, exc)
        for run in live:
            results[run.id] = "continued"
        await self.hand_over((run.id, run.seq) for run in live)
        return results

    async def _isolate(
        self,
        held: dict[str, Run],
        due: Sequence[tuple[str, int]],
        results: dict[str, str],
        error: Exception,
    ) -> dict[str, str]:
        """A job that failed for another reason than a backing service down: its runs that
        it had not moved go on one per job, so that one run that cannot be carried (a bug, a
        value a query refuses) does not hold back the others, nor come back with them at
        every sweep. A run that fails alone ends `failed`, naming the error."""
        unmoved = [(r, s) for r, s in due if r in held and held[r].seq == s]
        if len(due) > 1:
            log.error("journey batch failed (%s); its runs go on one by one", type(error).__name__)
            for pair in unmoved:
                await self.hand_over([pair])
                results[pair[0]] = "continued"
            return results
        log.error("journey run failed alone: %s", type(error).__name__)
        for run_id, _ in unmoved:
            reason = f"{type(error).__name__} while carrying the run"
            ended = advance(held[run_id], None, status="failed", exit_reason=reason)
            if run_id in await self.runs.apply([ended]):
                results[run_id] = "failed"
        return results

    async def _start_visit(self, run: Run) -> Move:
        """A job's first move for a run: a run whose version no longer validates fails, a
        waiting run's wait ends; an active run stays where it is (an empty move is a no-op
        marker, not written)."""
        try:
            stored = await self.catalog.version(run.journey, run.version)
        except (InvalidInput, NotFound) as exc:
            log.warning("journey run %s ended: %s", run.id, exc)
            return advance(run, None, status="failed", exit_reason=str(exc)[:300])
        if run.status != "waiting":
            return Move(run, RunChanges())
        step = stored.journey.steps[run.step]
        if step.until_event is not None:
            visit = Visit("timed_out", "the awaited event did not come")
            return advance(run, step.on_timeout, visit, step)
        return advance(run, step.next, Visit("waited", f"{step.seconds:g} s"), step)

    async def _apply(
        self,
        moves: Sequence[Move],
        results: dict[str, str],
        held: dict[str, Run],
        first_write: bool = False,
    ) -> list[Run]:
        """Make the moves (in one transaction; a job's first write also stamps the runs it
        carries on without moving them, so the sweep knows a job holds them); note what became
        of each run, queue the jobs that end the waits begun, and answer the runs to carry
        on."""
        written = [m for m in moves if m.changes]
        staying = [m.run for m in moves if not m.changes]
        moved = await self.runs.apply(written, touched=staying if first_write else ())
        held.update(moved)
        live = list(staying)
        waits: dict[float, list[tuple[str, int]]] = defaultdict(list)
        for run in moved.values():
            if run.status in FINISHED:
                results[run.id] = run.status
                held.pop(run.id)
            elif run.status == "waiting":
                results[run.id] = "waiting"
                waits[await self._seconds(run)].append((run.id, run.seq))
            else:
                live.append(run)
        for defer, runs in sorted(waits.items()):
            await self.hand_over(runs, defer)
            for run_id, _ in runs:
                held.pop(run_id)
        return live

    async def _seconds(self, run: Run) -> float:
        """How long a run that began to wait waits (its step's time, or its timeout)."""
        stored = await self.catalog.version(run.journey, run.version)
        return stored.journey.steps[run.step].seconds or 0.0

    async def _apply_round(
        self, live: list[Run], results: dict[str, str], held: dict[str, Run]
    ) -> tuple[list[Run], BaseException | None]:
        """Take one step of every run (branches decided together, actions taken a few at a
        time), then make all the moves in one transaction; the runs to carry on, and the error
        of a backing service one action met (its run was not moved)."""
        moves: list[Move] = []
        branches: dict[tuple[str, int, str], list[Run]] = defaultdict(list)
        acts: list[_Act] = []
        for run in live:
            stored = await self.catalog.version(run.journey, run.version)
            step = stored.journey.steps[run.step]
            if step.type == "wait":
                moves.append(self._wait(run, step))
            elif step.type == "exit":
                moves.append(_exit(run, step))
            elif step.type == "branch":
                branches[(run.journey, run.version, step.id)].append(run)
            else:
                acts.append(_Act(run, step, stored.role))
        for (journey, version, step_id), runs in branches.items():
            stored = await self.catalog.version(journey, version)
            moves.extend(await self._branch(stored.journey.steps[step_id], runs))
        taken, down = await self._act(acts)
        moves.extend(taken)
        return await self._apply(moves, results, held), down

    async def _rescue(self, held: dict[str, Run], given: dict[str, int]) -> None:
        """A job that fails hands the runs it moved to new jobs before arq runs it again: the
        retry carries the positions the job was given, at which a moved run is stale. A run
        that began a wait is handed over for the end of its wait. (If the queue cannot be
        reached either, the periodic sweep finds them.)"""
        now = self.clock()
        due: dict[float, list[tuple[str, int]]] = defaultdict(list)
        for run in held.values():
            if given.get(run.id) == run.seq:
                continue  # arq's retry carries it
            wait = (run.wait_until or now) - now if run.status == "waiting" else 0.0
            due[max(RESCUE_DEFER_SECONDS, wait)].append((run.id, run.seq))
        try:
            for defer, runs in sorted(due.items()):
                await self.hand_over(runs, defer)
        except Exception as exc:
            log.warning("journey runs left to the sweep: %s", type(exc).__name__)

    def _wait(self, run: Run, step: Step) -> Move:
        seconds = step.seconds or 0.0
        until = self.clock() + seconds
        visit = Visit("waiting", step.until_event or f"{seconds:g} s", {"until": until})
        changes = RunChanges(status="waiting", waiting_for=step.until_event, wait_until=until)
        return Move(run, changes, visit, step)

    async def _branch(self, step: Step, runs: list[Run]) -> list[Move]:
        """One branch step for every run at it, decided with one question to the segments."""
        assert step.condition is not None
        met = await self.segments.matches(step.condition, sorted({r.profile for r in runs}))
        return [
            advance(
                run,
                step.next if run.profile in met else step.otherwise,
                Visit("then" if run.profile in met else "else"),
                step,
            )
            for run in runs
        ]

    async def _act(self, acts: list[_Act]) -> tuple[list[Move], BaseException | None]:
        """Take the round's actions: visits already decided move on at once; the others are
        recorded as started (one transaction), then taken a few at a time, those with a purpose
        through the consent gate together. A backing service down stops nothing already taken:
        their moves are made, then the job runs again."""
        moves: list[Move] = []
        pending: list[_Act] = []
        for act in acts:
            visit = await self.actions.decided(act.run, act.step, act.role)
            if visit is None:
                pending.append(act)
            else:
                moves.append(_after(act, visit))
        await self.runs.record([(a.run, a.step, Visit("started")) for a in pending])
        outcomes = await self.actions.act_many(
            [(a.run, a.step, a.role) for a in pending], ACTIONS_AT_ONCE
        )
        down: BaseException | None = None
        for act, outcome in zip(pending, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                down = down or outcome
            else:
                moves.append(_after(act, outcome))
        return moves, down


def _exit(run: Run, step: Step) -> Move:
    exited = Visit("exited", "exit step")
    return advance(run, None, exited, step, status="exited", exit_reason="exit step")


def _after(act: _Act, visit: Visit) -> Move:
    """The move that follows an action: on to the next step, or the run fails naming it."""
    if visit.outcome in ("failed", "refused"):
        reason = f"{act.step.id} {visit.outcome}"
        return advance(
            act.run, None, visit.unrecorded, act.step, status="failed", exit_reason=reason
        )
    return advance(act.run, act.step.next, visit.unrecorded, act.step)
