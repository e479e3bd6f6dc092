"""What journey runs need from storage: runs started, read and moved on, and the record of
each visit of a step.

A run has a position (`step`) and a sequence number (`seq`); a move names the seq it starts
from, so of two jobs moving one run only the first moves it. Runs are read, recorded and
moved many at a time (a job carries a batch of runs). A move and the record of the visit that
ends there are written in one identity transaction (`IdentityWrites.write`), through
the methods that take that transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypedDict, TypeVar

from app.ports.identity import IdentityTransaction

T = TypeVar("T")

#: Statuses of a run that has ended; the others are `active` and `waiting`.
FINISHED = ("completed", "exited", "failed")
#: Statuses of a run in flight (counted as `running`).
IN_FLIGHT = ("active", "waiting")


@dataclass(frozen=True)
class Run:
    """A run as read, or as the job that moved it last knows it."""

    id: str
    journey: str
    version: int
    profile: str
    status: str
    step: str
    seq: int
    started_at: float
    updated_at: float
    waiting_for: str | None = None
    wait_until: float | None = None
    exit_reason: str | None = None
    #: The outcome the visit at `recorded_seq` recorded, read with the run (None: nothing).
    recorded: str | None = None
    recorded_seq: int | None = None

    @property
    def visit_key(self) -> str:
        """The current visit of a step: its record's key, and its action's idempotency key."""
        return f"{self.id}:{self.seq}"


class RunStart(TypedDict):
    """One run to start: its id, its profile, and the key unique while it is in flight (the
    run id itself for a journey allowing re-entry, else `<journey>|<profile>`)."""

    id: str
    profile: str
    active_key: str


class RunChanges(TypedDict, total=False):
    """What a move sets on a run (stored as given)."""

    status: str
    step: str
    waiting_for: str | None
    wait_until: float | None
    exit_reason: str | None


class RunMove(TypedDict):
    """One run moved on: from the seq its mover read it at, with what the move sets."""

    id: str
    seq: int
    changes: RunChanges


@dataclass(frozen=True)
class StepRecord:
    """What one visit of a step did (history and statistics), keyed by the visit."""

    key: str
    run: str
    journey: str
    profile: str
    step: str
    kind: str
    outcome: str
    reason: str
    at: float
    detail: dict[str, Any] = field(default_factory=dict)


class VisitRow(TypedDict):
    """One visit as a run's history shows it."""

    step: str
    kind: str
    outcome: str
    reason: str
    at: float


@dataclass(frozen=True)
class RunView:
    """A profile's run with its visits in order."""

    id: str
    journey: str
    version: int
    status: str
    step: str
    started_at: float
    updated_at: float
    exit_reason: str | None
    steps: tuple[VisitRow, ...]


class JourneyRunStore(Protocol):
    async def start(
        self,
        journey: str,
        version: int,
        step: str,
        trigger: str,
        runs: Sequence[RunStart],
        at: float,
    ) -> list[str]:
        """Start runs at `step` (seq 0, active), except those whose `active_key` a run in
        flight holds; returns the ids started."""

    async def read(self, run_ids: Sequence[str]) -> dict[str, Run]:
        """The runs found, by id, each with what its current visit recorded (`recorded` at
        `recorded_seq`)."""

    async def record(self, tx: IdentityTransaction, records: Sequence[StepRecord]) -> None:
        """Write the visits' records (create or update by key) inside `tx`."""

    async def advance(
        self, tx: IdentityTransaction, moves: Sequence[RunMove], at: float
    ) -> dict[str, int]:
        """Inside `tx`: apply each move's changes and move its run to `seq + 1`, only if the
        run is still at `seq`; a finished status frees its `active_key`. The new seq of each
        run moved, by id (a run another job moved first is absent)."""

    async def touch(
        self, tx: IdentityTransaction, runs: Sequence[tuple[str, int]], at: float
    ) -> None:
        """Inside `tx`: stamp runs (id, seq) as handled at `at` without moving them, each only
        if it is still at that seq."""

    async def stalled(
        self, active_before: float, waiting_before: float, limit: int
    ) -> list[tuple[str, int]]:
        """(run id, seq) of runs no job seems to carry: active and untouched since
        `active_before`, or waiting for a time that passed before `waiting_before`; the
        oldest first."""

    async def waiting_for(self, pairs: Sequence[tuple[str, str]]) -> list[Run]:
        """The runs waiting for one of these (profile, event name) pairs, as they stand (a
        move that follows names the seq read here, so a run moved since does not move)."""

    async def runs_of(self, profile_id: str, limit: int) -> list[RunView]:
        """A profile's runs, newest first, each with its visits in the order they started."""

    async def stats(self, journey: str) -> dict[str, dict[str, int]]:
        """Per step of a journey: how many visits ended in each outcome."""
