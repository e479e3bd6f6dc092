"""What re-deciding golden records in the background needs from storage: the runs (what
asked for them, where they are) and the pages of profiles they walk through."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

#: Why a run was asked for.
SOURCE_TRUST = "source_trust"
TRAIT_SCHEMA = "trait_schema"

WAITING, RUNNING, DONE = "waiting", "running", "done"


@dataclass(frozen=True)
class RedecisionRun:
    """One pass over the workspace's active profiles, re-deciding the golden records of those
    the change concerns (with an observation from `source`; all of them when it is None).

    `checked` of `total` active profiles have been looked at (`total` counted when the run
    started); `redecided` of them were concerned and decided again, `changed` of those got
    another winner for at least one field. `after` is the last profile id looked at."""

    id: str
    ws: str
    reason: str
    source: str | None
    by: str
    status: str
    requested_at: float
    not_before: float
    started_at: float | None = None
    finished_at: float | None = None
    heartbeat_at: float | None = None
    after: str = ""
    checked: int = 0
    total: int = 0
    redecided: int = 0
    changed: int = 0


@dataclass(frozen=True)
class ProfilePage:
    """Active profiles after a cursor: the ids looked at (in id order), and those of them the
    run is about."""

    checked: list[str]
    concerned: list[str]


class RedecisionStore(Protocol):
    ws: str

    async def create(self, run: RedecisionRun) -> None:
        """Store a new run."""

    async def get(self, run_id: str) -> RedecisionRun | None:
        """The workspace's run with this id."""

    async def latest(self, limit: int, source: str | None = None) -> list[RedecisionRun]:
        """The newest runs first (only those of `source` when given)."""

    async def unfinished(self) -> list[RedecisionRun]:
        """Runs not done, oldest first."""

    async def start(self, run_id: str, total: int, at: float) -> RedecisionRun | None:
        """Mark a waiting run running with this total (a running one keeps its own); None if
        the run is unknown or done."""

    async def advance(self, run: RedecisionRun, moved: RedecisionRun) -> bool:
        """Store `moved`'s cursor, counts and heartbeat if the stored cursor is still `run`'s
        (False: another runner moved it first, and carries on)."""

    async def finish(self, run_id: str, at: float) -> None:
        """Mark the run done."""

    async def count_active(self) -> int:
        """The workspace's active profiles."""

    async def page(self, after: str, limit: int, source: str | None) -> ProfilePage:
        """Up to `limit` active profiles after `after`, and those with an observation from
        `source` (all of them when None)."""
