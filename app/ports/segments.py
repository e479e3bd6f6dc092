"""What segments need from storage: the catalogue of definitions, the runs that evaluate a
segment over every profile, memberships (decided by evaluating compiled conditions where the
profiles are), and the stream of entries and exits.

Membership writes run inside an identity transaction (`IdentityWrites.write`), through the
methods that take it, so they queue behind the writers that merge and split profiles.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from app.domain.segments import TimeInputs
from app.ports.definitions import Definitions
from app.ports.identity import IdentityTransaction, IdentityWrites
from app.ports.segment_predicates import Predicate

T = TypeVar("T")


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


@dataclass(frozen=True)
class SegmentView:
    name: str
    description: str
    definition: dict[str, Any]
    version: int
    active: bool
    updated_at: float
    members: int
    #: The latest whole evaluation (activation, a new version of an active segment).
    evaluation: Evaluation | None = None


@dataclass(frozen=True)
class SegmentSpec:
    """A definition to save: its name, description and source (the JSON it was given as)."""

    name: str
    description: str
    definition: dict[str, Any]
    by: str


class SegmentCatalog(Definitions[SegmentView], Protocol):
    async def save(self, spec: SegmentSpec, at: float) -> int:
        """Create or replace a definition (a new segment starts inactive at version 1);
        returns its new version."""

    async def active_definitions(self) -> list[dict[str, Any]]:
        """The sources of the active segments' definitions, by name."""


@dataclass(frozen=True)
class RunState:
    """A segment's current run as a worker resuming it needs it (`run` None: never run)."""

    run: str | None
    status: str | None
    cursor: str
    active: bool
    definition: dict[str, Any]


@dataclass(frozen=True)
class RunProgress:
    """A page of a run decided: the cursor after it, the run's status, and the page's counts."""

    cursor: str
    status: str
    done: int = 0
    entered: int = 0
    left: int = 0


class SegmentRuns(Protocol):
    async def start(self, name: str, run: str, at: float) -> None:
        """Make `run` the segment's current run (replacing any before it), running from the
        first profile; its total is the number of profiles now."""

    async def state(self, name: str) -> RunState | None:
        """Where the segment's current run stands; None when there is no such segment."""

    async def record(self, name: str, run: str, progress: RunProgress, at: float) -> bool:
        """Add a page to the run's counts and set its cursor and status (a finished run gets
        `at` as its end); False, and nothing written, when `run` is no longer current."""

    async def refresh_marks(self) -> dict[str, float | None]:
        """Per active segment, until when its memberships hold against the passing of time:
        its last scheduled refresh, or the start of its last whole run (None: neither)."""

    async def mark_refreshed(self, name: str, at: float) -> None:
        """A scheduled refresh of the segment is done up to `at`."""


@dataclass(frozen=True, order=True)
class Placement:
    """A profile in a segment (ordered by profile first: the order writers lock in)."""

    profile_id: str
    segment: str


@dataclass(frozen=True)
class MembershipChange:
    profile_id: str
    segment: str
    entered: bool
    at: float


@dataclass(frozen=True)
class Decided:
    """A decision read: per profile, the positions of the conditions it meets, and the names
    of the segments it is in (a profile in none, or unknown, left out of each)."""

    met: dict[str, set[int]]
    held: dict[str, set[str]]


class SegmentMemberships(Protocol):
    async def of_profile(self, profile_id: str) -> list[tuple[str, float]]:
        """The segments a profile is in, and since when, by segment name."""

    async def members(self, segment: str, after: str, limit: int) -> list[str]:
        """A page of a segment's members after a cursor, in id order."""

    async def profile_ids(self, after: str, limit: int) -> list[str]:
        """A page of the workspace's profiles (merged ones too) after a cursor, in id order."""

    async def moved_by_time(self, inputs: TimeInputs, since: float, now: float) -> list[str]:
        """The profiles whose inputs time changed between `since` and `now`: an event that
        left one of the windows, a consent decision for one of the purposes that expired."""

    async def count(self, predicate: Predicate, now: float, sample: int) -> tuple[int, list[str]]:
        """How many active profiles meet a condition now, and the first `sample` ids."""

    async def decide(
        self, predicates: Sequence[Predicate], plan: Mapping[str, Sequence[int]], now: float
    ) -> Decided:
        """For each profile of `plan`, which of the conditions at the positions it lists it
        meets now (by position; a merged or unknown profile meets none), and the segments it
        is in, read together."""

    async def enter(
        self, tx: IdentityTransaction, placements: Sequence[Placement], at: float
    ) -> list[Placement]:
        """Make these profiles members since `at`, those that are not already; returns the
        placements made, in order (unknown profiles and segments are skipped)."""

    async def leave(
        self, tx: IdentityTransaction, placements: Sequence[Placement]
    ) -> list[Placement]:
        """End these memberships; returns those that existed, in order."""


class SegmentEvents(Protocol):
    async def append(self, changes: Sequence[MembershipChange]) -> None:
        """Append entries and exits to the workspace's segment event stream (bounded: the
        oldest go first)."""


@dataclass(frozen=True)
class SegmentStorage:
    """Everything segments keep, one workspace's worth."""

    catalog: SegmentCatalog
    runs: SegmentRuns
    memberships: SegmentMemberships
    events: SegmentEvents
    transactions: IdentityWrites
