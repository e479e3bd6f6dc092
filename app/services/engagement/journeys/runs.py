"""Runs' state: read with their current visit's record, moved on with the record of the visit
that ends there, many runs in one transaction.

A run has a position (`step`) and a sequence number (`seq`); a move names the seq it starts
from, so of two jobs moving one run only the first moves it.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.domain.journeys import Step
from app.ports.identity import IdentityTransaction, IdentityWrites
from app.ports.journey_runs import (
    FINISHED,
    JourneyRunStore,
    Run,
    RunChanges,
    RunMove,
    StepRecord,
)

__all__ = ["FINISHED", "Move", "Run", "Runs", "Visit", "advance"]


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


@dataclass(frozen=True)
class Move:
    """One run moved on, with the record of the visit that ends there (if any)."""

    run: Run
    changes: RunChanges
    visit: Visit | None = None
    step: Step | None = None


def advance(
    run: Run,
    next_step: str | None,
    visit: Visit | None = None,
    step: Step | None = None,
    *,
    status: str | None = None,
    exit_reason: str | None = None,
) -> Move:
    """The move to `next_step` (None: the run ends, `completed` unless `status` says
    otherwise), recording `visit` of `step` with it."""
    changes = RunChanges(waiting_for=None, wait_until=None)
    if next_step is None:
        changes["status"] = status or "completed"
        changes["exit_reason"] = exit_reason or "reached the end"
    else:
        changes["status"] = status or "active"
        changes["step"] = next_step
        if exit_reason is not None:
            changes["exit_reason"] = exit_reason
    return Move(run, changes, visit, step)


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

    async def read(self, run_ids: Sequence[str]) -> dict[str, Run]:
        """The runs found, by id, each with the outcome its current visit recorded."""
        return await self.store.read(run_ids)

    async def apply(self, moves: Sequence[Move], touched: Sequence[Run] = ()) -> dict[str, Run]:
        """Make the moves and record their visits, all in one transaction, stamping the
        `touched` runs as handled now without moving them; the runs moved, by id (a run
        another job moved first is absent)."""
        if not moves and not touched:
            return {}
        at = self.clock()
        records = [
            self._record(m.run, m.step, m.visit)
            for m in moves
            if m.visit is not None and m.step is not None
        ]
        rows = [RunMove(id=m.run.id, seq=m.run.seq, changes=m.changes) for m in moves]

        async def work(tx: IdentityTransaction) -> dict[str, int]:
            await self.store.record(tx, records)
            await self.store.touch(tx, [(r.id, r.seq) for r in touched], at)
            return await self.store.advance(tx, rows, at)

        seqs = await self.transactions.write(work)
        return {
            m.run.id: dataclasses.replace(
                m.run,
                seq=seqs[m.run.id],
                updated_at=at,
                # A visit this job starts has no record yet: nothing to read back.
                recorded=None,
                recorded_seq=seqs[m.run.id],
                **m.changes,
            )
            for m in moves
            if m.run.id in seqs
        }

    async def record(self, visits: Sequence[tuple[Run, Step, Visit]]) -> None:
        """Record visits on their own, in one transaction (actions about to be taken)."""
        records = [self._record(run, step, visit) for run, step, visit in visits]
        if not records:
            return

        async def work(tx: IdentityTransaction) -> None:
            await self.store.record(tx, records)

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
