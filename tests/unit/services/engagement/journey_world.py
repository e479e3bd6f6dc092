"""What the journey-run tests share: journey services over in-memory stores, with the job
queue and the clock in the test's hands, and small builders of journey definitions."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

from app.adapters.identity_graph import IdentityGraph
from app.domain.consent import ConsentPolicy, Purpose
from app.domain.segments import Condition
from app.ports.journey_runs import RunView
from app.ports.journeys import JourneyVersionSpec
from app.privacy import BlindIndex
from app.privacy.keystore import LocalKeyStore
from app.services.changes.profile_changes import ProfileChanges
from app.services.engagement.actions import ConsentGate
from app.services.engagement.destinations import DestinationService
from app.services.engagement.journeys import JourneyService
from app.services.engagement.outbound import WebhookSender
from app.services.engagement.segments.engine import SegmentService
from app.services.identity.curation import CurationService
from app.services.identity.keys import Sealer
from app.services.privacy.audit import AuditLog
from app.services.privacy.consent import ConsentService
from app.services.profiles.service import ProfileService
from app.services.profiles.traits import GoldenRecords
from tests.fakes.actions import InMemoryActionRecordStore
from tests.fakes.audit import InMemoryAuditStore
from tests.fakes.consent import InMemoryConsentStore
from tests.fakes.journeys import InMemoryJourneys
from tests.fakes.unused import unused
from tests.support.journey_jobs import JourneyJobs

NOW = 1_800_000_000.0
ANN, BOB = "p-ann", "p-bob"
POLICY = ConsentPolicy(purposes=(Purpose("marketing"),))


class Segments:
    """Stands in for the segment engine: its members meet every condition."""

    def __init__(self) -> None:
        self.members: set[str] = set()
        #: The profiles of every question asked, in order.
        self.asked: list[list[str]] = []

    async def matches(self, condition: Condition, profile_ids: list[str]) -> set[str]:
        self.asked.append(profile_ids)
        return {p for p in profile_ids if p in self.members}


@dataclass
class World:
    journeys: JourneyService
    stores: InMemoryJourneys
    actions: InMemoryActionRecordStore
    consent: InMemoryConsentStore
    segments: Segments
    queue: JourneyJobs

    @property
    def now(self) -> float:
        return self.queue.now

    @now.setter
    def now(self, value: float) -> None:
        self.queue.now = value

    async def drain(self) -> list[str]:
        """Run every job that is due, in order, as the worker would."""
        return await self.queue.drain()

    async def define(self, definition: dict[str, Any], role: str | None = "admin") -> None:
        spec = JourneyVersionSpec(definition["name"], "", definition, "admin:1", role)
        await self.stores.definitions.save(spec, self.now)
        await self.stores.definitions.set_active(definition["name"], True, self.now)

    async def fire(self, *profiles: str, event: str = "Signed Up") -> int:
        return await self.journeys.on_changes(
            ProfileChanges(events={p: {event} for p in profiles}), []
        )

    async def run_of(self, profile: str) -> RunView:
        [run] = await self.journeys.runs_of(profile)
        return run


def visits(run: RunView) -> list[tuple[str, str]]:
    return [(s["step"], s["outcome"]) for s in run.steps]


@asynccontextmanager
async def journey_world(
    tmp_path: Path, destinations: DestinationService | None = None
) -> AsyncIterator[World]:
    keystore = LocalKeyStore(tmp_path / "keys.db", os.urandom(32))
    sealer = Sealer("test", BlindIndex({"k1": os.urandom(32)}, "k1"), keystore)
    stores = InMemoryJourneys.create("test")
    actions = InMemoryActionRecordStore({ANN, BOB})
    consent_store = InMemoryConsentStore()
    consent = ConsentService(
        unused(IdentityGraph),
        consent_store,
        unused(CurationService),
        POLICY,
        AuditLog(InMemoryAuditStore()),
        clock=lambda: NOW,
    )
    segments = Segments()
    profiles = cast(ProfileService, SimpleNamespace(golden=unused(GoldenRecords)))
    queue = JourneyJobs(NOW)
    service = JourneyService(
        stores.storage,
        cast(SegmentService, segments),
        ConsentGate(actions, consent, clock=lambda: NOW),
        unused(WebhookSender),
        profiles,
        sealer,
        None,
        queue.enqueue,
        clock=lambda: queue.now,
        destinations=destinations,
    )
    queue.runner = service.step_many
    yield World(service, stores, actions, consent_store, segments, queue)
    keystore.close()


def journey(steps: dict[str, Any], start: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": "onboarding",
        "trigger": {"event": "Signed Up"},
        "start": start,
        "steps": steps,
        **extra,
    }


def tag(name: str, next: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"type": "action", "action": {"kind": "add_tag", "tag": name, **extra}, "next": next}


SERIES = journey(
    {
        "hello": tag("welcomed", "pause"),
        "pause": {"type": "wait", "seconds": 3600, "next": "check"},
        "check": {
            "type": "branch",
            "condition": {"event": "Order Completed"},
            "then": "bye",
            "else": "nudge",
        },
        "nudge": tag("nudged"),
        "bye": {"type": "exit"},
    },
    "hello",
)
