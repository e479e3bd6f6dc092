"""Customer journeys: definitions stored and versioned in Neo4j, runs carried by arq jobs.

Every job carries (run id, seq) only; a job whose seq is no longer the run's (a duplicate, or
a timeout that lost to the awaited event) does nothing. Each visit of a step leaves a
`(:JourneyStep)` record (history and statistics). Definitions: `catalog.py`; a run's state:
`runs.py`; actions: `acting.py`.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

from app.domain.access import Principal, Role
from app.domain.journeys import Journey, Step
from app.errors import InvalidInput
from app.ports.journey_runs import RunChanges, RunStart, RunView
from app.ports.journeys import JourneyStorage, JourneyView
from app.services.changes.notices import ProfileNotifier
from app.services.changes.profile_changes import MembershipChange, ProfileChanges
from app.services.engagement.actions import ConsentGate
from app.services.engagement.destinations import DestinationService
from app.services.engagement.journeys.acting import StepActions
from app.services.engagement.journeys.catalog import JourneyCatalog, StoredVersion
from app.services.engagement.journeys.runs import FINISHED, Run, Runs, Visit
from app.services.engagement.outbound import WebhookSender
from app.services.engagement.segments.engine import SegmentService
from app.services.identity.keys import Sealer
from app.services.integrations.plugins import PluginRegistry
from app.services.profiles.service import ProfileService

log = logging.getLogger(__name__)

#: Steps one job may take before handing over to the next job (a guard, not a limit users see).
STEPS_PER_JOB = 50

Enqueue = Callable[[str, int, float], Awaitable[None]]  # (run id, seq, defer seconds)


class JourneyService:
    def __init__(
        self,
        storage: JourneyStorage,
        segments: SegmentService,
        gate: ConsentGate,
        sender: WebhookSender,
        profiles: ProfileService,
        sealer: Sealer,
        notifier: ProfileNotifier | None,
        enqueue: Enqueue,
        clock: Callable[[], float] = time.time,
        *,
        destinations: DestinationService | None = None,
        plugins: PluginRegistry | None = None,
        plugin_data_dir: Path | None = None,
    ) -> None:
        self.storage = storage
        self.segments = segments
        self.gate = gate
        self.profiles = profiles
        self.sealer = sealer
        self.notifier = notifier
        self.enqueue = enqueue
        self.clock = clock
        self.plugins = plugins
        self.catalog = JourneyCatalog(
            storage.definitions, segments, sender, profiles.golden, destinations, plugins, clock
        )
        self.runs = Runs(storage.runs, storage.transactions, clock)
        self.actions = StepActions(
            storage.marks,
            self.runs,
            self.catalog,
            gate,
            sender,
            profiles,
            sealer,
            notifier,
            destinations,
            plugins,
            plugin_data_dir,
            clock,
        )

    # -- definitions -------------------------------------------------------------------------

    async def refusals(self, journey: Journey, role: Role | None) -> list[str]:
        return await self.catalog.refusals(journey, role)

    async def validate(self, raw: Any) -> Journey:
        return await self.catalog.validate(raw)

    async def save(self, raw: Any, caller: Principal) -> JourneyView:
        return await self.catalog.save(raw, caller)

    async def set_active(self, name: str, active: bool, caller: Principal) -> JourneyView:
        return await self.catalog.set_active(name, active, caller)

    async def all(self) -> list[JourneyView]:
        return await self.catalog.all()

    async def get(self, name: str) -> JourneyView:
        return await self.catalog.get(name)

    # -- triggers ----------------------------------------------------------------------------

    async def on_changes(
        self, changes: ProfileChanges, memberships: Iterable[MembershipChange]
    ) -> int:
        """Start runs for the triggers these changes fire, and resume runs waiting for the
        events that arrived. Returns how many runs started."""
        entered = list(memberships)
        started = 0
        for name, version in await self.storage.definitions.active_versions():
            try:
                journey = (await self.catalog.version(name, version)).journey
            except InvalidInput as exc:
                log.warning("journey %s not started: %s", name, exc)
                continue
            candidates = await self._triggered(journey, changes, entered)
            started += await self._start(journey, version, candidates)
        await self._resume_waiting(changes)
        return started

    async def _triggered(
        self, journey: Journey, changes: ProfileChanges, entered: list[MembershipChange]
    ) -> list[str]:
        """The profiles whose changes fire this journey's trigger."""
        trigger = journey.trigger
        if trigger.event is not None:
            candidates = sorted(p for p, names in changes.events.items() if trigger.event in names)
        elif trigger.trait_changed is not None:
            candidates = sorted(
                p for p, fields in changes.traits.items() if trigger.trait_changed in fields
            )
        else:
            wanted = trigger.segment_entered or trigger.segment_left
            entering = trigger.segment_entered is not None
            candidates = sorted(
                {m.profile_id for m in entered if m.segment == wanted and m.entered == entering}
            )
        if candidates and trigger.where is not None:
            chosen = await self.segments.matches(trigger.where, candidates)
            candidates = [p for p in candidates if p in chosen]
        return candidates

    async def _start(self, journey: Journey, version: int, profile_ids: list[str]) -> int:
        """Start a run for each profile (one transaction), except where one is in flight and
        re-entry is not allowed; returns how many started."""
        if not profile_ids:
            return 0
        starts = []
        for profile_id in profile_ids:
            run_id = str(uuid.uuid4())
            key = run_id if journey.reentry else f"{journey.name}|{profile_id}"
            starts.append(RunStart(id=run_id, profile=profile_id, active_key=key))
        trigger = next(
            kind
            for kind in ("event", "segment_entered", "segment_left", "trait_changed")
            if getattr(journey.trigger, kind) is not None
        )
        started = await self.storage.runs.start(
            journey.name, version, journey.start, trigger, starts, self.clock()
        )
        for run_id in started:
            await self.enqueue(run_id, 0, 0.0)
        return len(started)

    async def _resume_waiting(self, changes: ProfileChanges) -> None:
        pairs = [(p, name) for p, names in changes.events.items() for name in names]
        if not pairs:
            return
        for run_id in await self.storage.runs.waiting_for(pairs):
            run = await self.runs.get(run_id)
            if run is None:
                continue
            try:
                journey = (await self.catalog.version(run.journey, run.version)).journey
            except InvalidInput:
                continue  # its next job ends it (step)
            step = journey.steps[run.step]
            arrived = Visit("event_arrived", "the awaited event arrived")
            moved = await self.runs.advance(run, step.next, arrived, step)
            if moved is not None and step.next is not None:
                await self.enqueue(run.id, moved.seq, 0.0)

    # -- running -----------------------------------------------------------------------------

    async def step(self, run_id: str, seq: int) -> str:
        """The job: carry a run on from position `seq` until it waits or ends."""
        run = await self.runs.get(run_id)
        if run is None or run.status in FINISHED or run.seq != seq:
            return "stale"
        try:
            stored = await self.catalog.version(run.journey, run.version)
        except InvalidInput as exc:
            log.warning("journey run %s ended: %s", run_id, exc)
            await self.runs.advance(run, None, status="failed", exit_reason=str(exc)[:300])
            return "failed"
        if run.status == "waiting":
            woken = await self._wake(run, stored.journey)
            if woken is None:
                return "stale"
            run = woken
        for _ in range(STEPS_PER_JOB):
            if run.status in FINISHED:
                return run.status
            moved = await self._visit(run, stored)
            if isinstance(moved, str):
                return moved
            run = moved
        await self.enqueue(run_id, run.seq, 0.0)
        return "continued"

    async def _wake(self, run: Run, journey: Journey) -> Run | None:
        """A waiting run's wait ended (its time passed, or the awaited event did not come);
        None if another job moved it first."""
        step = journey.steps[run.step]
        if step.until_event is not None:
            visit = Visit("timed_out", "the awaited event did not come")
            target = step.on_timeout
        else:
            visit = Visit("waited", f"{step.seconds:g} s")
            target = step.next
        return await self.runs.advance(run, target, visit, step)

    async def _visit(self, run: Run, stored: StoredVersion) -> Run | str:
        """Take the run's current step: the run moved on, or the job's result if the job
        ends here."""
        step = stored.journey.steps[run.step]
        if step.type == "wait":
            return await self._wait(run, step)
        if step.type == "exit":
            exited = Visit("exited", "exit step")
            await self.runs.advance(
                run, None, exited, step, status="exited", exit_reason="exit step"
            )
            return "exited"
        if step.type == "branch":
            assert step.condition is not None
            met = run.profile in await self.segments.matches(step.condition, [run.profile])
            target = step.next if met else step.otherwise
            moved = await self.runs.advance(run, target, Visit("then" if met else "else"), step)
            return "stale" if moved is None else moved
        visit = await self.actions.act(run, step, stored.role)
        if visit.outcome in ("failed", "refused"):
            reason = f"{step.id} {visit.outcome}"
            await self.runs.advance(
                run, None, visit.unrecorded, step, status="failed", exit_reason=reason
            )
            return "failed"
        moved = await self.runs.advance(run, step.next, visit.unrecorded, step)
        return "stale" if moved is None else moved

    async def _wait(self, run: Run, step: Step) -> str:
        seconds = step.seconds or 0.0
        until = self.clock() + seconds
        visit = Visit("waiting", step.until_event or f"{seconds:g} s", {"until": until})
        changes = RunChanges(status="waiting", waiting_for=step.until_event, wait_until=until)
        moved = await self.runs.transition(run, changes, visit, step)
        if moved is None:
            return "stale"
        await self.enqueue(run.id, moved.seq, seconds)
        return "waiting"

    # -- history -----------------------------------------------------------------------------

    async def runs_of(self, profile_id: str, limit: int = 50) -> list[RunView]:
        return await self.storage.runs.runs_of(profile_id, limit)

    async def stats(self, name: str) -> dict[str, dict[str, int]]:
        return await self.storage.runs.stats(name)
