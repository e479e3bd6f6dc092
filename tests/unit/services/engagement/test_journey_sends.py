"""A journey's `send_to_destination` steps on in-memory stores: a round reads each destination
it sends to once, and a stopped or unknown destination fails its own actions."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from app.adapters.identity_graph import IdentityGraph
from app.domain.consent import ConsentPolicy, Decision
from app.ports.destinations import StoredDestination
from app.privacy import BlindIndex
from app.privacy.keystore import LocalKeyStore
from app.services.engagement.destinations import DestinationService
from app.services.engagement.outbound import WebhookSender
from app.services.identity.curation import CurationService
from app.services.identity.keys import Sealer
from app.services.integrations.plugins import DeliveryContext, PluginRegistry
from app.services.privacy.audit import AuditLog
from app.services.privacy.consent import ConsentService
from tests.fakes.audit import InMemoryAuditStore
from tests.fakes.consent import InMemoryConsentStore
from tests.fakes.destinations import InMemoryDestinationStore, InMemoryOutbox
from tests.fakes.unused import unused
from tests.unit.services.engagement.journey_world import (
    ANN,
    BOB,
    NOW,
    World,
    journey,
    journey_world,
    visits,
)


class Recorder:
    kind = "recorder"

    def validate(self, config: Mapping[str, Any]) -> None:
        return None

    async def deliver(
        self, batch: Sequence[Mapping[str, Any]], config: Mapping[str, Any], ctx: DeliveryContext
    ) -> None:
        return None


class CountedStore(InMemoryDestinationStore):
    """Counts the reads of one destination."""

    def __init__(self) -> None:
        super().__init__()
        self.reads: list[str] = []

    async def get(self, name: str) -> StoredDestination | None:
        self.reads.append(name)
        return await super().get(name)


@dataclass
class Sends:
    world: World
    destinations: DestinationService
    store: CountedStore
    outbox: InMemoryOutbox


@pytest.fixture
async def sends(tmp_path: Path) -> AsyncIterator[Sends]:
    keystore = LocalKeyStore(tmp_path / "dest-keys.db", os.urandom(32))
    sealer = Sealer("test", BlindIndex({"k1": os.urandom(32)}, "k1"), keystore)
    consent = ConsentService(
        unused(IdentityGraph),
        InMemoryConsentStore(),
        unused(CurationService),
        ConsentPolicy(),
        AuditLog(InMemoryAuditStore()),
        clock=lambda: NOW,
    )
    plugins = PluginRegistry()
    plugins.add(Recorder(), "test")
    store, outbox = CountedStore(), InMemoryOutbox()

    async def no_traits(ids: list[str]) -> dict[str, dict[str, Any]]:
        return {}

    destinations = DestinationService(
        store, outbox, sealer, consent, WebhookSender(["secret"]), plugins, no_traits
    )
    async with journey_world(tmp_path, destinations) as world:
        for person in (ANN, BOB):  # sending to a destination serves a purpose
            decision = Decision(f"d-{person}", "marketing", True, NOW - 60, "web")
            world.consent.record(person, decision)
        yield Sends(world, destinations, store, outbox)
    keystore.close()


def send(destination: str) -> dict[str, Any]:
    action = {"kind": "send_to_destination", "destination": destination, "purpose": "marketing"}
    return {"type": "action", "action": action, "next": None}


async def define(sends: Sends, name: str, active: bool) -> None:
    await sends.destinations.save({"name": name, "kind": "recorder", "config": {}}, "admin:1")
    await sends.destinations.set_active(name, active)


async def test_a_round_reads_each_destination_once_and_queues_every_item(sends: Sends) -> None:
    await define(sends, "crm", active=True)
    await sends.world.define(journey({"hand_over": send("crm")}, "hand_over"))
    sends.store.reads.clear()
    await sends.world.fire(ANN, BOB)
    assert await sends.world.drain() == ["completed", "completed"]
    assert sends.store.reads == ["crm"]  # one read for the round's two actions
    queued = sends.outbox.entries["crm"]
    assert sorted(e.item["profile_id"] for e in queued) == [ANN, BOB]
    assert {e.item["type"] for e in queued} == {"journey"}


async def test_a_stopped_or_unknown_destination_fails_its_action_and_nothing_is_queued(
    sends: Sends,
) -> None:
    await define(sends, "paused", active=False)
    await sends.world.define(journey({"hand_over": send("paused")}, "hand_over"))
    await sends.world.define({**journey({"hand_over": send("gone")}, "hand_over"), "name": "lost"})
    await sends.world.fire(ANN)
    # Each run's action failed with its own reason (read once for the round, raised for it).
    assert await sends.world.drain() == ["failed", "failed"]
    outcomes = [visits(run) for run in await sends.world.journeys.runs_of(ANN)]
    assert sorted(outcomes) == [
        [("hand_over", "failed")],
        [("hand_over", "failed")],
    ]
    runs = await sends.world.journeys.runs_of(ANN)
    assert sorted(run.steps[0]["reason"] for run in runs) == ["DestinationStopped", "NotFound"]
    assert "paused" not in sends.outbox.entries
