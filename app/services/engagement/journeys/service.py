"""Customer journeys: definitions stored and versioned in Neo4j, runs carried by arq jobs.

Every job carries a batch of (run id, seq) only; a job whose seq is no longer a run's (a
duplicate, or a timeout that lost to the awaited event) does nothing for that run. Each visit
of a step leaves a `(:JourneyStep)` record (history and statistics). Definitions:
`catalog.py`; runs' state: `runs.py`; the job: `stepping.py`; actions: `acting.py`.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from app.domain.access import Principal, Role
from app.domain.journeys import Journey
from app.errors import InvalidInput, NotFound
from app.ports.journey_runs import RunStart, RunView
from app.ports.journeys import JourneyStorage, JourneyView
from app.services.changes.notices import ProfileNotifier
from app.services.changes.profile_changes import MembershipChange, ProfileChanges
from app.services.engagement.actions import ConsentGate
from app.services.engagement.destinations import DestinationService
from app.services.engagement.journeys.acting import StepActions
from app.services.engagement.journeys.catalog import JourneyCatalog
from app.services.engagement.journeys.runs import FINISHED, Runs, Visit, advance
from app.services.engagement.journeys.stepping import Enqueue, RunStepper
from app.services.engagement.outbound import WebhookSender
from app.services.engagement.segments.engine import SegmentService
from app.services.identity.keys import Sealer
from app.services.integrations.plugins import PluginRegistry
from app.services.profiles.service import ProfileService

log = logging.getLogger(__name__)


#: An active run untouched this long (s) has no job: longer than a job may run (an hour).
ACTIVE_STALLED_SECONDS = 3900.0
#: A waiting run whose time passed this long ago (s) missed its job.
WAITING_STALLED_SECONDS = 600.0
#: Runs one sweep hands over at most (the next sweep takes the rest).
STALLED_PER_SWEEP = 2000


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
        self.stepper = RunStepper(self.runs, self.catalog, self.actions, segments, enqueue, clock)

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
        started: list[str] = []
        for name, version in await self.storage.definitions.active_versions():
            try:
                journey = (await self.catalog.version(name, version)).journey
            except InvalidInput as exc:
                log.warning("journey %s not started: %s", name, exc)
                continue
            candidates = await self._triggered(journey, changes, entered)
            started += await self._start(journey, version, candidates)
        await self.stepper.hand_over((run_id, 0) for run_id in started)
        await self._resume_waiting(changes)
        return len(started)

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

    async def _start(self, journey: Journey, version: int, profile_ids: list[str]) -> list[str]:
        """Start a run for each profile (one transaction), except where one is in flight and
        re-entry is not allowed; returns the runs started."""
        if not profile_ids:
            return []
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
        return await self.storage.runs.start(
            journey.name, version, journey.start, trigger, starts, self.clock()
        )

    async def _resume_waiting(self, changes: ProfileChanges) -> None:
        """Move on the runs waiting for the events that arrived (one transaction), and hand
        them to a job."""
        pairs = [(p, name) for p, names in changes.events.items() for name in names]
        if not pairs:
            return
        arrived = Visit("event_arrived", "the awaited event arrived")
        moves = []
        for run in await self.storage.runs.waiting_for(pairs):
            try:
                journey = (await self.catalog.version(run.journey, run.version)).journey
            except (InvalidInput, NotFound):
                continue  # its next job ends it (step)
            step = journey.steps[run.step]
            moves.append(advance(run, step.next, arrived, step))
        moved = await self.runs.apply(moves)
        await self.stepper.hand_over(
            (run.id, run.seq) for run in moved.values() if run.status not in FINISHED
        )

    # -- running -----------------------------------------------------------------------------

    async def step(self, run_id: str, seq: int) -> str:
        """Carry one run on from position `seq` until it waits or ends (a job of one run)."""
        return (await self.stepper.step([(run_id, seq)]))[run_id]

    async def step_many(self, due: Sequence[tuple[str, int]]) -> dict[str, str]:
        """The job: carry each run on from its position until it waits or ends; what became of
        each run, by id."""
        return await self.stepper.step(due)

    async def resume_stalled(self) -> int:
        """Hand to a job every run no job seems to carry (a job that failed and could not
        reach the queue, a worker that died between starting runs and queueing them); answers
        how many. A run found twice is moved once: its seq decides."""
        now = self.clock()
        stalled = await self.storage.runs.stalled(
            now - ACTIVE_STALLED_SECONDS, now - WAITING_STALLED_SECONDS, STALLED_PER_SWEEP
        )
        await self.stepper.hand_over(stalled)
        return len(stalled)

    # -- history -----------------------------------------------------------------------------

    async def runs_of(self, profile_id: str, limit: int = 50) -> list[RunView]:
        return await self.storage.runs.runs_of(profile_id, limit)

    async def stats(self, name: str) -> dict[str, dict[str, int]]:
        return await self.storage.runs.stats(name)
