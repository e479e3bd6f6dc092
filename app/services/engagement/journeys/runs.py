"""A run's state in the graph: read with its current visit's record, moved on with the record
of the visit that ends there, in one transaction.

A run is a `(:JourneyRun)` with a position (`step`) and a sequence number (`seq`); a move
names the seq it starts from, so of two jobs moving one run only the first moves it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from app.adapters.identity_graph import IdentityGraph, IdentityTx
from app.domain.journeys import Step

FINISHED = ("completed", "exited", "failed")
#: Keys of a run as read (never stored): the outcome its visit at `RECORDED_SEQ` recorded.
RECORDED = "_recorded"
RECORDED_SEQ = "_recorded_seq"

Run = dict[str, Any]


@dataclass(frozen=True)
class Visit:
    """What one visit of a step did, as its record says."""

    outcome: str
    reason: str = ""
    detail: dict[str, Any] = field(default_factory=dict)
    #: Already stored (a retried job finds its first attempt's record).
    recorded: bool = False

    @property
    def unrecorded(self) -> Visit | None:
        """This visit if it still has to be recorded, else None."""
        return None if self.recorded else self


class RunStore:
    def __init__(self, graph: IdentityGraph, clock: Callable[[], float] = time.time) -> None:
        self.graph = graph
        self.clock = clock

    async def get(self, run_id: str) -> Run | None:
        """The run, with `RECORDED`: the outcome its current visit recorded (None if none)."""
        rows = await self.graph.read("journeys/run", id=run_id)
        if not rows:
            return None
        run = dict(rows[0]["run"])
        return {**run, RECORDED: rows[0]["outcome"], RECORDED_SEQ: run["seq"]}

    async def recorded_outcome(self, run: Run) -> str | None:
        """What the run's current visit recorded (a retried job's first attempt), if anything."""
        if run.get(RECORDED_SEQ) == run["seq"]:
            recorded = run.get(RECORDED)  # read with the run
            return None if recorded is None else str(recorded)
        done = await self.graph.read("journeys/step_record", key=visit_key(run))
        return str(done[0]["outcome"]) if done else None

    async def advance(
        self,
        run: Run,
        next_step: str | None,
        visit: Visit | None = None,
        step: Step | None = None,
        **changes: Any,
    ) -> int | None:
        """Move to `next_step` (None: the run ends), recording `visit` of `step` in the same
        transaction; returns the new seq, None if another job moved the run first."""
        values: dict[str, Any] = {"waiting_for": None, "wait_until": None, **changes}
        if next_step is None:
            values.setdefault("status", "completed")
            values.setdefault("exit_reason", "reached the end")
        else:
            values.setdefault("status", "active")
            values["step"] = next_step
        return await self.transition(run, values, visit, step)

    async def transition(
        self,
        run: Run,
        values: dict[str, Any],
        visit: Visit | None = None,
        step: Step | None = None,
    ) -> int | None:
        record = None if visit is None or step is None else self._record_params(run, step, visit)

        async def work(tx: IdentityTx) -> list[dict[str, Any]]:
            if record is not None:
                await tx.run("journeys/record_step", **record)
            return await tx.run(
                "journeys/advance", id=run["id"], seq=run["seq"], changes=values, at=self.clock()
            )

        rows = await self.graph.write(work)
        if not rows:
            return None
        run.update(values)
        run["seq"] = int(rows[0]["seq"])
        return int(run["seq"])

    async def record(self, run: Run, step: Step, visit: Visit) -> None:
        await self.graph.run_write("journeys/record_step", **self._record_params(run, step, visit))

    def _record_params(self, run: Run, step: Step, visit: Visit) -> dict[str, Any]:
        return {
            "key": visit_key(run),
            "run": run["id"],
            "journey": run["journey"],
            "profile": run["profile"],
            "step": step.id,
            "kind": step.action.kind if step.action else step.type,
            "outcome": visit.outcome,
            "reason": visit.reason,
            "at": self.clock(),
            "detail": orjson.dumps(visit.detail, option=orjson.OPT_SORT_KEYS).decode(),
        }


def visit_key(run: Run) -> str:
    """One visit of a run's step: its record's key, and its action's idempotency key."""
    return f"{run['id']}:{run['seq']}"
