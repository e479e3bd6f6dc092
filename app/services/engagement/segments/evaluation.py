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
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from app.adapters.identity_graph import IdentityGraph
from app.domain.segments import SegmentDefinition, parse_definition
from app.supervision import UNREACHABLE

log = logging.getLogger(__name__)

RUNNING, DONE, STOPPED, FAILED = "running", "done", "stopped", "failed"
#: What `resume` answers for a run a newer one replaced (never stored).
SUPERSEDED = "superseded"


@dataclass(frozen=True)
class Evaluation:
    """Where a segment's latest whole evaluation stands."""

    status: str
    done: int
    total: int
    entered: int
    left: int
    started_at: float
    finished_at: float | None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Evaluation | None:
        if row.get("evaluation_status") is None:
            return None
        finished = row.get("evaluation_finished_at")
        return cls(
            status=str(row["evaluation_status"]),
            done=int(row["evaluation_done"]),
            total=int(row["evaluation_total"]),
            entered=int(row["evaluation_entered"]),
            left=int(row["evaluation_left"]),
            started_at=float(row["evaluation_started_at"]),
            finished_at=None if finished is None else float(finished),
        )


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
        graph: IdentityGraph,
        prepare: PrepareDecider,
        enqueue: Enqueue | None = None,
        inline_seconds: float = 2.0,
        page: int = 1000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.graph = graph
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
        await self.graph.run_write("segments/evaluation_start", name=name, run=run, at=self.clock())
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
        rows = await self.graph.read("segments/evaluation_state", name=name)
        if rows and rows[0]["status"] == RUNNING:
            await self._record(name, str(rows[0]["run"]), str(rows[0]["cursor"]), STOPPED)

    async def resume(self, name: str, run: str, budget: float | None = None) -> str:
        """Evaluate the run's pages from its cursor until it is done, stopped or replaced, or
        `budget` seconds have passed (then a job takes over). Returns the run's status."""
        deadline = None if budget is None else time.monotonic() + budget
        cursor = ""
        decide: DecidePage | None = None
        try:
            while True:
                rows = await self.graph.read("segments/evaluation_state", name=name)
                if not rows or rows[0]["run"] != run:
                    return SUPERSEDED
                state = rows[0]
                cursor = str(state["cursor"])
                if state["status"] != RUNNING:
                    return str(state["status"])
                if not state["active"]:
                    return await self._record(name, run, cursor, STOPPED)
                if deadline is not None and time.monotonic() >= deadline and self.enqueue:
                    await self.enqueue(name, run)
                    return RUNNING
                ids = [
                    str(r["id"])
                    for r in await self.graph.read(
                        "segments/active_ids_page", after=cursor, limit=self.page
                    )
                ]
                if not ids:
                    return await self._record(name, run, cursor, DONE)
                if decide is None:  # a run's definition never changes: a save starts a new run
                    decide = await self.prepare(parse_definition(orjson.loads(state["definition"])))
                outcome = await decide(ids)
                await self._record(name, run, ids[-1], RUNNING, len(ids), outcome)
        except UNREACHABLE:
            raise  # the run stays running: arq (or the caller) tries again from its cursor
        except Exception:
            log.exception("evaluating segment %s failed", name)
            await self._record(name, run, cursor, FAILED)
            raise

    async def _record(
        self,
        name: str,
        run: str,
        cursor: str,
        status: str,
        done: int = 0,
        outcome: PageOutcome = PageOutcome(0, 0),
    ) -> str:
        rows = await self.graph.run_write(
            "segments/evaluation_progress",
            name=name,
            run=run,
            cursor=cursor,
            done=done,
            entered=outcome.entered,
            left=outcome.left,
            status=status,
            at=self.clock(),
        )
        return status if rows else SUPERSEDED
