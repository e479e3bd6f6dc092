"""Evaluating a whole segment over every profile, as a run its caller can follow.

Activating a segment, or saving a new version of an active one, decides it for every profile
of the workspace: on a large graph that takes minutes. The run starts in the caller's request
and goes on there for `inline_seconds` (a small workspace is done by the time the mutation
answers); what is left is handed to a worker job, which carries on from the run's cursor.
The run's status, cursor and counts live on the segment node: `segment(name) { evaluation }`
follows it, a job that dies is taken up again from its cursor when arq runs it again, and a
newer run (another activation, another save) or a pause stops an older one at its next page.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from app.domain.segments import SegmentDefinition, parse_definition
from app.ports.segments import Evaluation as Evaluation
from app.ports.segments import RunProgress, SegmentMemberships, SegmentRuns
from app.supervision import UNREACHABLE

log = logging.getLogger(__name__)

RUNNING, DONE, STOPPED, FAILED = "running", "done", "stopped", "failed"
#: What `resume` answers for a run a newer one replaced (never stored).
SUPERSEDED = "superseded"


@dataclass(frozen=True)
class PageOutcome:
    entered: int
    left: int


#: Decides one segment for a page of profile ids; says how many entered and left.
DecidePage = Callable[[list[str]], Awaitable[PageOutcome]]
#: A segment's page decider, its condition compiled once per run.
PrepareDecider = Callable[[SegmentDefinition], Awaitable[DecidePage]]
#: Hands a run (segment name, run id) to a worker job.
Enqueue = Callable[[str, str], Awaitable[None]]


class WholeEvaluations:
    def __init__(
        self,
        runs: SegmentRuns,
        profiles: SegmentMemberships,
        prepare: PrepareDecider,
        enqueue: Enqueue | None = None,
        inline_seconds: float = 2.0,
        page: int = 1000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.runs = runs
        self.profiles = profiles
        self.prepare = prepare
        #: Without one (a process that runs no jobs), a run goes on in the caller to the end.
        self.enqueue = enqueue
        self.inline_seconds = inline_seconds
        self.page = page
        self.clock = clock

    async def start(self, name: str) -> str:
        """Start a run (replacing any before it), evaluate for up to `inline_seconds`, then
        hand the rest to a job. Returns the run id."""
        run = uuid.uuid4().hex
        await self.runs.start(name, run, self.clock())
        try:
            await self.resume(name, run, budget=self.inline_seconds)
        except UNREACHABLE:
            # Neo4j or Valkey failed mid-run: a worker takes it up from its cursor if the
            # job can still be handed over; the caller sees the error either way.
            if self.enqueue is not None:
                await self.enqueue(name, run)
            raise
        return run

    async def stop(self, name: str) -> None:
        """Stop the segment's running evaluation (the segment was paused)."""
        state = await self.runs.state(name)
        if state is not None and state.run is not None and state.status == RUNNING:
            await self._record(name, state.run, RunProgress(state.cursor, STOPPED))

    async def resume(self, name: str, run: str, budget: float | None = None) -> str:
        """Evaluate the run's pages from its cursor until it is done, stopped or replaced, or
        `budget` seconds have passed (then a job takes over). Returns the run's status."""
        deadline = None if budget is None else time.monotonic() + budget
        cursor = ""
        decide: DecidePage | None = None
        try:
            while True:
                state = await self.runs.state(name)
                if state is None or state.run != run:
                    return SUPERSEDED
                cursor = state.cursor
                if state.status != RUNNING:
                    return str(state.status)
                if not state.active:
                    return await self._record(name, run, RunProgress(cursor, STOPPED))
                if deadline is not None and time.monotonic() >= deadline and self.enqueue:
                    await self.enqueue(name, run)
                    return RUNNING
                ids = await self.profiles.profile_ids(cursor, self.page)
                if not ids:
                    return await self._record(name, run, RunProgress(cursor, DONE))
                if decide is None:  # a run's definition never changes: a save starts a new run
                    decide = await self.prepare(parse_definition(state.definition))
                outcome = await decide(ids)
                progress = RunProgress(ids[-1], RUNNING, len(ids), outcome.entered, outcome.left)
                await self._record(name, run, progress)
        except UNREACHABLE:
            raise  # the run stays running: arq (or the caller) tries again from its cursor
        except Exception:
            log.exception("evaluating segment %s failed", name)
            await self._record(name, run, RunProgress(cursor, FAILED))
            raise

    async def _record(self, name: str, run: str, progress: RunProgress) -> str:
        """Record progress; the status, or SUPERSEDED when a newer run replaced this one."""
        current = await self.runs.record(name, run, progress, self.clock())
        return progress.status if current else SUPERSEDED
