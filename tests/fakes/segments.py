"""Segments in memory: the catalogue, whole-evaluation runs, memberships and the segment event
stream (the ports: app/ports/segments.py), over one set of tables as the Neo4j stores share
one graph. Conditions are evaluated by `segment_predicates.meets`."""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from app.domain.segments import TimeInputs
from app.ports.identity import IdentityTransaction
from app.ports.segment_predicates import Predicate
from app.ports.segments import (
    Decided,
    Evaluation,
    MembershipChange,
    Placement,
    RunProgress,
    RunState,
    SegmentSpec,
    SegmentStorage,
    SegmentView,
)
from tests.fakes.definitions import InMemoryDefinitions, stamped
from tests.fakes.segment_predicates import FakeProfile, meets, window_start

T = TypeVar("T")


@dataclass
class StoredSegment:
    name: str
    description: str
    definition: dict[str, Any]
    version: int = 0
    active: bool = False
    updated_at: float = 0.0
    run: str | None = None
    evaluation: Evaluation | None = None
    cursor: str = ""
    refreshed_at: float | None = None


@dataclass
class SegmentTables:
    """The workspace's segments, profiles and memberships (segment -> profile -> since)."""

    segments: dict[str, StoredSegment] = field(default_factory=dict)
    profiles: dict[str, FakeProfile] = field(default_factory=dict)
    members: dict[str, dict[str, float]] = field(default_factory=dict)

    def add_profile(self, profile_id: str, **details: Any) -> FakeProfile:
        self.profiles[profile_id] = FakeProfile(profile_id, **details)
        return self.profiles[profile_id]

    def segments_of(self, profile_id: str) -> set[str]:
        return {s for s, ids in self.members.items() if profile_id in ids}

    def view(self, s: StoredSegment) -> SegmentView:
        return SegmentView(
            name=s.name,
            description=s.description,
            definition=copy.deepcopy(s.definition),
            version=s.version,
            active=s.active,
            updated_at=s.updated_at,
            members=len(self.members.get(s.name, {})),
            evaluation=s.evaluation,
        )


class InMemorySegmentCatalog(InMemoryDefinitions[StoredSegment, SegmentView]):
    def __init__(self, tables: SegmentTables) -> None:
        super().__init__(tables.segments, tables.view, stamped)
        self.tables = tables

    async def save(self, spec: SegmentSpec, at: float) -> int:
        stored = self.tables.segments.setdefault(
            spec.name, StoredSegment(spec.name, spec.description, spec.definition)
        )
        stored.description = spec.description
        stored.definition = copy.deepcopy(spec.definition)
        stored.version += 1
        stored.updated_at = at
        return stored.version

    async def active_definitions(self) -> list[dict[str, Any]]:
        return [
            copy.deepcopy(s.definition) for _, s in sorted(self.tables.segments.items()) if s.active
        ]


class InMemorySegmentRuns:
    def __init__(self, tables: SegmentTables) -> None:
        self.tables = tables

    async def start(self, name: str, run: str, at: float) -> None:
        stored = self.tables.segments.get(name)
        if stored is not None:
            stored.run, stored.cursor = run, ""
            total = len(self.tables.profiles)
            stored.evaluation = Evaluation("running", 0, total, 0, 0, at, None)
            stored.refreshed_at = at

    async def state(self, name: str) -> RunState | None:
        s = self.tables.segments.get(name)
        if s is None:
            return None
        status = None if s.evaluation is None else s.evaluation.status
        return RunState(s.run, status, s.cursor, s.active, copy.deepcopy(s.definition))

    async def record(self, name: str, run: str, progress: RunProgress, at: float) -> bool:
        s = self.tables.segments.get(name)
        if s is None or s.run != run or s.evaluation is None:
            return False
        e = s.evaluation
        s.cursor = progress.cursor
        s.evaluation = Evaluation(
            status=progress.status,
            done=e.done + progress.done,
            total=e.total,
            entered=e.entered + progress.entered,
            left=e.left + progress.left,
            started_at=e.started_at,
            finished_at=None if progress.status == "running" else at,
        )
        return True

    async def refresh_marks(self) -> dict[str, float | None]:
        return {n: s.refreshed_at for n, s in self.tables.segments.items() if s.active}

    async def mark_refreshed(self, name: str, at: float) -> None:
        if name in self.tables.segments:
            self.tables.segments[name].refreshed_at = at


class InMemorySegmentMemberships:
    def __init__(self, tables: SegmentTables) -> None:
        self.tables = tables

    async def of_profile(self, profile_id: str) -> list[tuple[str, float]]:
        found = [
            (s, ids[profile_id]) for s, ids in self.tables.members.items() if profile_id in ids
        ]
        return sorted(found)

    async def members(self, segment: str, after: str, limit: int) -> list[str]:
        return sorted(i for i in self.tables.members.get(segment, {}) if i > after)[:limit]

    async def profile_ids(self, after: str, limit: int) -> list[str]:
        return sorted(i for i in self.tables.profiles if i > after)[:limit]

    async def moved_by_time(self, inputs: TimeInputs, since: float, now: float) -> list[str]:
        def moved(p: FakeProfile) -> bool:
            left = any(
                window_start(p, since, days) <= at < window_start(p, now, days)
                for event, days in inputs.windows
                for name, at in p.events
                if name == event
            )
            expired = any(
                c.expires_at is not None and since < c.expires_at <= now
                for c in p.consents
                if c.purpose in inputs.purposes
            )
            return left or expired

        return sorted(pid for pid, p in self.tables.profiles.items() if moved(p))

    def _meets(self, predicate: Predicate, profile: FakeProfile, now: float) -> bool:
        if profile.status != "active":
            return False
        return meets(predicate, profile, self.tables.segments_of(profile.id), now) is True

    async def count(self, predicate: Predicate, now: float, sample: int) -> tuple[int, list[str]]:
        found = sorted(
            pid for pid, p in self.tables.profiles.items() if self._meets(predicate, p, now)
        )
        return len(found), found[:sample]

    async def decide(
        self, predicates: Sequence[Predicate], plan: Mapping[str, Sequence[int]], now: float
    ) -> Decided:
        met: dict[str, set[int]] = {}
        held: dict[str, set[str]] = {}
        for pid, positions in plan.items():
            profile = self.tables.profiles.get(pid)
            if profile is None:
                continue
            if profile.status == "active":
                met[pid] = {n for n in positions if self._meets(predicates[n], profile, now)}
            segments = {s for s, ids in self.tables.members.items() if pid in ids}
            if segments:
                held[pid] = segments
        return Decided(met, held)

    async def enter(
        self, tx: IdentityTransaction, placements: Sequence[Placement], at: float
    ) -> list[Placement]:
        made: list[Placement] = []
        for p in sorted(set(placements)):
            ids = self.tables.members.setdefault(p.segment, {})
            known = p.segment in self.tables.segments and p.profile_id in self.tables.profiles
            if known and p.profile_id not in ids:
                ids[p.profile_id] = at
                made.append(p)
        return made

    async def leave(
        self, tx: IdentityTransaction, placements: Sequence[Placement]
    ) -> list[Placement]:
        ended: list[Placement] = []
        for p in sorted(set(placements)):
            if self.tables.members.get(p.segment, {}).pop(p.profile_id, None) is not None:
                ended.append(p)
        return ended


class InMemorySegmentEvents:
    def __init__(self) -> None:
        self.appended: list[MembershipChange] = []

    async def append(self, changes: Sequence[MembershipChange]) -> None:
        self.appended.extend(changes)


class FakeTransaction:
    """An identity transaction in which nothing may be run by name (stores write in memory)."""

    def __init__(self, ws: str) -> None:
        self.ws = ws

    async def run(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        raise AssertionError(f"a query ran by name ({name}) where a store should have written")


class InMemoryTransactions:
    def __init__(self, ws: str = "test") -> None:
        self.ws = ws
        self.count = 0

    async def write(self, work: Callable[[IdentityTransaction], Awaitable[T]]) -> T:
        self.count += 1
        return await work(FakeTransaction(self.ws))


@dataclass
class InMemorySegments:
    """The fakes of one workspace, over shared tables."""

    tables: SegmentTables = field(default_factory=SegmentTables)

    def __post_init__(self) -> None:
        self.catalog = InMemorySegmentCatalog(self.tables)
        self.runs = InMemorySegmentRuns(self.tables)
        self.memberships = InMemorySegmentMemberships(self.tables)
        self.events = InMemorySegmentEvents()
        self.transactions = InMemoryTransactions()

    @property
    def storage(self) -> SegmentStorage:
        return SegmentStorage(
            self.catalog, self.runs, self.memberships, self.events, self.transactions
        )
