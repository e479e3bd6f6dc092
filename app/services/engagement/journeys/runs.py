"""A run's state: read with its current visit's record, moved on with the record of the visit
that ends there, in one transaction.

A run has a position (`step`) and a sequence number (`seq`); a move names the seq it starts
from, so of two jobs moving one run only the first moves it.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.domain.journeys import Step
from app.ports.identity import IdentityTransaction, IdentityWrites
from app.ports.journey_runs import (
    FINISHED,
    JourneyRunStore,
    Run,
    RunChanges,
    StepRecord,
)

__all__ = ["FINISHED", "Run", "Runs", "Visit"]


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


class Runs:
    def __init__(
        self,
        store: JourneyRunStore,
        transactions: IdentityWrites,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.transactions = transactions
        self.clock = clock

    async def get(self, run_id: str) -> Run | None:
        """The run, with the outcome its current visit recorded (None if none)."""
        return await self.store.get(run_id)

    async def recorded_outcome(self, run: Run) -> str | None:
        """What the run's current visit recorded (a retried job's first attempt), if anything."""
        if run.recorded_seq == run.seq:
            return run.recorded  # read with the run
        return await self.store.recorded_outcome(run.visit_key)

    async def advance(
        self,
        run: Run,
        next_step: str | None,
        visit: Visit | None = None,
        step: Step | None = None,
        *,
        status: str | None = None,
        exit_reason: str | None = None,
    ) -> Run | None:
        """Move to `next_step` (None: the run ends, `completed` unless `status` says
        otherwise), recording `visit` of `step` in the same transaction; returns the run
        moved, None if another job moved it first."""
        changes = RunChanges(waiting_for=None, wait_until=None)
        if next_step is None:
            changes["status"] = status or "completed"
            changes["exit_reason"] = exit_reason or "reached the end"
        else:
            changes["status"] = status or "active"
            changes["step"] = next_step
            if exit_reason is not None:
                changes["exit_reason"] = exit_reason
        return await self.transition(run, changes, visit, step)

    async def transition(
        self,
        run: Run,
        changes: RunChanges,
        visit: Visit | None = None,
        step: Step | None = None,
    ) -> Run | None:
        """Apply `changes` and record `visit` of `step` in one transaction; the run moved,
        None if another job moved it first."""
        record = None if visit is None or step is None else self._record(run, step, visit)
        at = self.clock()

        async def work(tx: IdentityTransaction) -> int | None:
            if record is not None:
                await self.store.record(tx, record)
            return await self.store.advance(tx, run.id, run.seq, changes, at)

        seq = await self.transactions.write(work)
        if seq is None:
            return None
        return dataclasses.replace(run, seq=seq, updated_at=at, **changes)

    async def record(self, run: Run, step: Step, visit: Visit) -> None:
        """Record a visit on its own (an action about to be taken)."""
        record = self._record(run, step, visit)

        async def work(tx: IdentityTransaction) -> None:
            await self.store.record(tx, record)

        await self.transactions.write(work)

    def _record(self, run: Run, step: Step, visit: Visit) -> StepRecord:
        return StepRecord(
            key=run.visit_key,
            run=run.id,
            journey=run.journey,
            profile=run.profile,
            step=step.id,
            kind=step.action.kind if step.action else step.type,
            outcome=visit.outcome,
            reason=visit.reason,
            at=self.clock(),
            detail=visit.detail,
        )
