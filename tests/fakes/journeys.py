"""Journey definitions, runs and profile marks in memory (the ports: app/ports/journeys.py,
app/ports/journey_runs.py)."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from app.ports.identity import IdentityTransaction
from app.ports.journey_runs import (
    FINISHED,
    IN_FLIGHT,
    Run,
    RunMove,
    RunStart,
    RunView,
    StepRecord,
    VisitRow,
)
from app.ports.journeys import (
    EmittedEvent,
    JourneyStorage,
    JourneyVersionSpec,
    JourneyView,
    SavedVersion,
    TagChange,
)
from tests.fakes.definitions import InMemoryDefinitions, stamped

T = TypeVar("T")


class _Transaction:
    """Stands in for the identity transaction: the fakes write to memory and never query."""

    def __init__(self, ws: str) -> None:
        self.ws = ws

    async def run(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        raise AssertionError(f"an in-memory store ran the query {name}")


class InMemoryTransactions:
    """Runs the work at once; what it wrote to the stores taking part is undone if it fails,
    as a transaction that does not commit leaves nothing behind."""

    def __init__(self, ws: str = "test", stores: Sequence[InMemoryJourneyRunStore] = ()) -> None:
        self.ws = ws
        self.stores = list(stores)
        #: Transactions begun, committed or not.
        self.count = 0

    async def write(self, work: Callable[[IdentityTransaction], Awaitable[T]]) -> T:
        self.count += 1
        saved = [store.snapshot() for store in self.stores]
        try:
            return await work(_Transaction(self.ws))
        except BaseException:
            for store, state in zip(self.stores, saved, strict=True):
                store.restore(state)
            raise


@dataclass
class _StoredRun:
    run: Run
    active_key: str | None
    trigger: str


@dataclass
class _StoredJourney:
    name: str
    description: str
    definition: dict[str, Any]
    version: int
    active: bool
    updated_at: float
    versions: dict[int, SavedVersion] = field(default_factory=dict)


class InMemoryJourneyRunStore:
    def __init__(self) -> None:
        self.runs: dict[str, _StoredRun] = {}
        #: Visit records by key, in the order they were first written.
        self.records: dict[str, StepRecord] = {}
        self._started: dict[str, float] = {}
        #: Called before every move (a test makes a job crash there).
        self.before_advance: Callable[[str, int], None] | None = None

    def snapshot(self) -> tuple[dict[str, _StoredRun], dict[str, StepRecord], dict[str, float]]:
        return copy.deepcopy((self.runs, self.records, self._started))

    def restore(
        self, state: tuple[dict[str, _StoredRun], dict[str, StepRecord], dict[str, float]]
    ) -> None:
        self.runs, self.records, self._started = state

    async def start(
        self,
        journey: str,
        version: int,
        step: str,
        trigger: str,
        runs: Sequence[RunStart],
        at: float,
    ) -> list[str]:
        started = []
        for row in runs:
            if any(s.active_key == row["active_key"] for s in self.runs.values()):
                continue
            run = Run(row["id"], journey, version, row["profile"], "active", step, 0, at, at)
            self.runs[row["id"]] = _StoredRun(run, row["active_key"], trigger)
            started.append(row["id"])
        return started

    async def read(self, run_ids: Sequence[str]) -> dict[str, Run]:
        found = {}
        for run_id in run_ids:
            stored = self.runs.get(run_id)
            if stored is None:
                continue
            run = stored.run
            record = self.records.get(run.visit_key)
            outcome = None if record is None else record.outcome
            found[run_id] = dataclasses.replace(run, recorded=outcome, recorded_seq=run.seq)
        return found

    async def record(self, tx: IdentityTransaction, records: Sequence[StepRecord]) -> None:
        for record in records:
            first = self.records.get(record.key)
            self._started.setdefault(record.key, record.at)
            if first is not None:  # the first attempt's identity stays; the outcome is the last
                record = dataclasses.replace(
                    first,
                    outcome=record.outcome,
                    reason=record.reason,
                    at=record.at,
                    detail=record.detail,
                )
            self.records[record.key] = copy.deepcopy(record)

    async def advance(
        self, tx: IdentityTransaction, moves: Sequence[RunMove], at: float
    ) -> dict[str, int]:
        moved = {}
        for move in sorted(moves, key=lambda m: m["id"]):
            run_id, seq = move["id"], move["seq"]
            if self.before_advance is not None:
                self.before_advance(run_id, seq)
            stored = self.runs.get(run_id)
            if stored is None:
                continue
            stored.run = dataclasses.replace(stored.run, updated_at=at)
            if stored.run.seq != seq:
                continue
            stored.run = dataclasses.replace(stored.run, seq=seq + 1, **move["changes"])
            if stored.run.status in FINISHED:
                stored.active_key = None
            moved[run_id] = seq + 1
        return moved

    async def touch(
        self, tx: IdentityTransaction, runs: Sequence[tuple[str, int]], at: float
    ) -> None:
        for run_id, seq in runs:
            stored = self.runs.get(run_id)
            if stored is not None and stored.run.seq == seq:
                stored.run = dataclasses.replace(stored.run, updated_at=at)

    async def stalled(
        self, active_before: float, waiting_before: float, limit: int
    ) -> list[tuple[str, int]]:
        found = [
            s.run
            for s in self.runs.values()
            if (s.run.status == "active" and s.run.updated_at < active_before)
            or (
                s.run.status == "waiting"
                and s.run.wait_until is not None
                and s.run.wait_until < waiting_before
            )
        ]
        found.sort(key=lambda r: (r.updated_at, r.id))
        return [(r.id, r.seq) for r in found[:limit]]

    async def waiting_for(self, pairs: Sequence[tuple[str, str]]) -> list[Run]:
        return [
            s.run
            for profile, event in pairs
            for s in self.runs.values()
            if s.run.profile == profile and s.run.status == "waiting" and s.run.waiting_for == event
        ]

    async def runs_of(self, profile_id: str, limit: int) -> list[RunView]:
        mine = [s.run for s in self.runs.values() if s.run.profile == profile_id]
        mine.sort(key=lambda r: r.started_at, reverse=True)
        return [self._view(r) for r in mine[:limit]]

    def _view(self, run: Run) -> RunView:
        visits = sorted(
            (r for r in self.records.values() if r.run == run.id),
            key=lambda r: (self._started[r.key], r.key),
        )
        return RunView(
            run.id,
            run.journey,
            run.version,
            run.status,
            run.step,
            run.started_at,
            run.updated_at,
            run.exit_reason,
            tuple(
                VisitRow(step=v.step, kind=v.kind, outcome=v.outcome, reason=v.reason, at=v.at)
                for v in visits
            ),
        )

    async def stats(self, journey: str) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for r in sorted(self.records.values(), key=lambda r: (r.step, r.outcome)):
            if r.journey == journey:
                counts = out.setdefault(r.step, {})
                counts[r.outcome] = counts.get(r.outcome, 0) + 1
        return out

    def running(self, journey: str) -> int:
        return sum(
            1 for s in self.runs.values() if s.run.journey == journey and s.run.status in IN_FLIGHT
        )


class InMemoryJourneyStore(InMemoryDefinitions[_StoredJourney, JourneyView]):
    def __init__(self, runs: InMemoryJourneyRunStore | None = None) -> None:
        self.journeys: dict[str, _StoredJourney] = {}
        super().__init__(self.journeys, self._view, stamped)
        #: The runs counted as `running` (none without).
        self.runs = runs

    async def save(self, spec: JourneyVersionSpec, at: float) -> int:
        stored = self.journeys.get(spec.name)
        if stored is None:
            stored = _StoredJourney(spec.name, spec.description, {}, 0, False, at)
            self.journeys[spec.name] = stored
        stored.version += 1
        stored.definition = copy.deepcopy(spec.definition)
        stored.description = spec.description
        stored.updated_at = at
        stored.versions[stored.version] = SavedVersion(
            copy.deepcopy(spec.definition), spec.by, spec.by_role
        )
        return stored.version

    async def version(self, name: str, version: int) -> SavedVersion | None:
        stored = self.journeys.get(name)
        return None if stored is None else stored.versions.get(version)

    async def active_versions(self) -> list[tuple[str, int]]:
        return [(n, j.version) for n, j in sorted(self.journeys.items()) if j.active]

    def _view(self, j: _StoredJourney) -> JourneyView:
        running = 0 if self.runs is None else self.runs.running(j.name)
        definition = copy.deepcopy(j.definition)
        return JourneyView(
            j.name, j.description, definition, j.version, j.active, j.updated_at, running
        )


class InMemoryProfileMarks:
    def __init__(self) -> None:
        self.tags: dict[str, list[str]] = {}
        #: Each profile's owning identifier key (a profile absent here has no identifier).
        self.owners: dict[str, str] = {}
        #: Events stored, by id.
        self.events: dict[str, EmittedEvent] = {}
        #: Every tag and untag, in order: (profile, "+tag" or "-tag").
        self.log: list[tuple[str, str]] = []
        #: The ids of each write of emitted events, in order.
        self.emit_writes: list[list[str]] = []
        #: Owner keys a blind-index rotation re-keys, profile -> new key, applied just before
        #: the next write of emitted events (after the journey read its owners).
        self.rekey_before_emit: dict[str, str] = {}
        #: (profile, tag) -> True where tagging finds the graph unreachable (a test's outage).
        self.unreachable: Callable[[str, str], bool] = lambda profile_id, tag: False

    async def change_tags(self, changes: Sequence[TagChange]) -> None:
        if any(self.unreachable(c.profile_id, c.tag) for c in changes):
            raise ConnectionError("Neo4j went away")  # one write: none of them lands
        for c in changes:
            self.log.append((c.profile_id, f"{'+' if c.add else '-'}{c.tag}"))
            kept = [t for t in self.tags.get(c.profile_id, []) if t != c.tag]
            self.tags[c.profile_id] = [*kept, c.tag] if c.add else kept

    async def owners_of(self, profile_ids: Sequence[str]) -> dict[str, str]:
        return {p: self.owners[p] for p in profile_ids if p in self.owners}

    async def emit_many(self, events: Sequence[EmittedEvent]) -> set[str]:
        self.emit_writes.append([e.id for e in events])
        self.owners.update(self.rekey_before_emit)
        self.rekey_before_emit = {}
        owners = set(self.owners.values())
        stored = [e for e in events if e.owner in owners]
        for event in stored:
            self.events.setdefault(event.id, event)
        return {e.id for e in stored}


@dataclass
class InMemoryJourneys:
    """Every journey fake, wired as the Neo4j ones are (definitions count the runs)."""

    definitions: InMemoryJourneyStore
    runs: InMemoryJourneyRunStore
    marks: InMemoryProfileMarks
    transactions: InMemoryTransactions

    @classmethod
    def create(cls, ws: str = "test") -> InMemoryJourneys:
        runs = InMemoryJourneyRunStore()
        transactions = InMemoryTransactions(ws, [runs])
        return cls(InMemoryJourneyStore(runs), runs, InMemoryProfileMarks(), transactions)

    @property
    def storage(self) -> JourneyStorage:
        return JourneyStorage(self.definitions, self.runs, self.marks, self.transactions)
