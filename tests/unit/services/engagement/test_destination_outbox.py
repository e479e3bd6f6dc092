"""Destinations on in-memory stores: what goes into an outbox, and how a batch is delivered,
retried with back-off, dead-lettered and replayed. No Neo4j, no Valkey, milliseconds."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from app.adapters.identity_graph import IdentityGraph
from app.domain.consent import ConsentPolicy, Decision, Purpose
from app.errors import DeliveryFailed, InvalidInput
from app.privacy import BlindIndex
from app.privacy.keystore import LocalKeyStore
from app.services.changes.profile_changes import MembershipChange, ProfileChanges
from app.services.engagement.destinations import DestinationService, DestinationStopped
from app.services.engagement.outbound import OutboundRefused, WebhookSender
from app.services.identity.curation import CurationService
from app.services.identity.keys import Sealer
from app.services.integrations.plugins import DeliveryContext, PluginRegistry
from app.services.privacy.audit import AuditLog
from app.services.privacy.consent import ConsentService
from tests.fakes.audit import InMemoryAuditStore
from tests.fakes.consent import InMemoryConsentStore
from tests.fakes.destinations import InMemoryDestinationStore, InMemoryOutbox
from tests.fakes.unused import unused

NOW = 1_800_000_000.0
ANN, BOB = "p-ann", "p-bob"


@dataclass
class Receiver:
    """A destination kind that keeps what it is handed, failing as the test says."""

    kind: str = "recorder"
    #: What the next deliveries raise, in order (then they succeed).
    failures: list[Exception] = field(default_factory=list)
    batches: list[list[dict[str, Any]]] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)

    def validate(self, config: Mapping[str, Any]) -> None:
        if "target" not in config:
            raise ValueError("config.target: required")

    async def deliver(
        self, batch: Sequence[Mapping[str, Any]], config: Mapping[str, Any], ctx: DeliveryContext
    ) -> None:
        self.keys.append(ctx.idempotency_key)
        if self.failures:
            raise self.failures.pop(0)
        self.batches.append([dict(i) for i in batch])


@dataclass
class World:
    destinations: DestinationService
    outbox: InMemoryOutbox
    receiver: Receiver
    consent: InMemoryConsentStore
    monotonic: float = 100.0

    async def define(self, name: str = "crm", active: bool = True, **extra: Any) -> None:
        config = {"target": "receiver-one"}
        spec = {"name": name, "kind": "recorder", "config": config, **extra}
        await self.destinations.save(spec, "admin:1")
        await self.destinations.set_active(name, active)

    async def deliver(self) -> int:
        return await self.destinations.deliver_all()


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    keystore = LocalKeyStore(tmp_path / "keys.db", os.urandom(32))
    sealer = Sealer("test", BlindIndex({"k1": os.urandom(32)}, "k1"), keystore)
    consent_store = InMemoryConsentStore()
    consent = ConsentService(
        unused(IdentityGraph),
        consent_store,
        unused(CurationService),
        ConsentPolicy(purposes=(Purpose("marketing"),)),
        AuditLog(InMemoryAuditStore()),
        clock=lambda: NOW,
    )
    receiver = Receiver()
    plugins = PluginRegistry()
    plugins.add(receiver, "test")
    outbox = InMemoryOutbox()
    holder: list[World] = []

    async def plain_traits(ids: list[str]) -> dict[str, dict[str, Any]]:
        return {p: {"plan": "pro"} for p in ids}

    service = DestinationService(
        InMemoryDestinationStore(),
        outbox,
        sealer,
        consent,
        WebhookSender(["secret"]),
        plugins,
        plain_traits,
        max_attempts=3,
        clock=lambda: NOW,
        monotonic=lambda: holder[0].monotonic,
    )
    holder.append(World(service, outbox, receiver, consent_store))
    yield holder[0]
    keystore.close()


def events(*profiles: str) -> ProfileChanges:
    return ProfileChanges(events={p: {"Viewed"} for p in profiles})


async def test_a_failed_batch_waits_out_its_back_off_and_goes_once_with_the_same_key(
    world: World,
) -> None:
    await world.define()
    await world.destinations.enqueue(events(ANN, BOB), [])
    world.receiver.failures = [DeliveryFailed("http_503")]
    assert await world.deliver() == 0
    stats = await world.destinations.stats("crm")
    assert (stats["waiting"], stats["failed_attempts"], stats["attempt"]) == (2, 1, 1)
    assert await world.deliver() == 0  # backing off: not even tried
    assert len(world.receiver.keys) == 1
    world.monotonic += 0.4  # 0.2 s doubled per attempt
    assert await world.deliver() == 2
    assert [i["profile_id"] for i in world.receiver.batches[0]] == [ANN, BOB]
    assert world.receiver.keys[0] == world.receiver.keys[1]
    stats = await world.destinations.stats("crm")
    assert (stats["waiting"], stats["delivered"], stats["attempt"]) == (0, 2, 0)
    assert await world.deliver() == 0


async def test_a_batch_failing_every_attempt_is_dead_lettered_and_a_replay_delivers_it(
    world: World,
) -> None:
    await world.define()
    await world.destinations.enqueue(events(ANN, BOB), [])
    world.receiver.failures = [ConnectionError("down")] * 3
    for _ in range(3):
        world.monotonic += 60
        await world.deliver()
    stats = await world.destinations.stats("crm")
    assert (stats["waiting"], stats["dead_letters"], stats["dead_lettered"]) == (0, 2, 2)
    assert stats["failed_attempts"] == 3 and stats["attempt"] == 0
    letters = await world.outbox.dead_letters("crm")
    assert [(d.item["profile_id"], d.reason) for d in letters] == [
        (ANN, "ConnectionError"),
        (BOB, "ConnectionError"),
    ]
    assert await world.destinations.replay("crm") == 2
    assert await world.deliver() == 2
    assert [i["profile_id"] for i in world.receiver.batches[0]] == [ANN, BOB]
    assert (await world.destinations.stats("crm"))["dead_letters"] == 0


async def test_a_refused_target_is_dead_lettered_at_once_and_never_retried(world: World) -> None:
    await world.define()
    await world.destinations.enqueue(events(ANN), [])
    world.receiver.failures = [OutboundRefused("url: the host resolves to an internal address")]
    assert await world.deliver() == 1
    [letter] = await world.outbox.dead_letters("crm")
    assert (letter.reason, letter.detail) == (
        "OutboundRefused",
        "url: the host resolves to an internal address",
    )
    stats = await world.destinations.stats("crm")
    assert (stats["refused"], stats["dead_lettered"], stats.get("failed_attempts", 0)) == (1, 1, 0)
    assert await world.deliver() == 0 and len(world.receiver.keys) == 1


async def test_items_without_consent_are_skipped_and_erasure_notices_always_go(
    world: World,
) -> None:
    await world.define(purpose="marketing", forward_erasures=True)
    world.consent.record(ANN, Decision("d-1", "marketing", True, NOW - 60, "web"))
    await world.destinations.enqueue(events(ANN, BOB), [])
    await world.destinations.forward_erasure([BOB], "req-1")
    assert await world.deliver() == 3
    assert [(i["type"], i.get("profile_id")) for i in world.receiver.batches[0]] == [
        ("event", ANN),
        ("erasure", None),
    ]
    stats = await world.destinations.stats("crm")
    assert (stats["delivered"], stats["skipped_no_consent"]) == (2, 1)


async def test_a_stopped_destination_is_sent_nothing_but_erasure_notices_wait_for_it(
    world: World,
) -> None:
    await world.define(active=False, forward_erasures=True)
    assert await world.destinations.enqueue(events(ANN), []) == 0
    with pytest.raises(DestinationStopped):
        await world.destinations.send("crm", {"type": "journey", "profile_id": ANN, "key": "k"})
    assert await world.destinations.forward_erasure([ANN], "req-1") == 1
    assert await world.deliver() == 0  # stopped: nothing delivered
    await world.destinations.set_active("crm", True)
    assert await world.deliver() == 1
    assert [i["id"] for i in world.receiver.batches[0]] == ["erasure:req-1"]


async def test_items_go_to_the_destinations_listening_to_their_topic_in_batches(
    world: World,
) -> None:
    await world.define("events_only", topics=["events"], batch_size=2)
    await world.define("the_rest", topics=["segments", "profiles"])
    changes = events(ANN, BOB)
    changes.add(ANN, "traits", ["plan"])
    entered = MembershipChange(BOB, "vip", True, NOW)
    assert await world.destinations.enqueue(changes, [entered]) == 4  # 2 events, 2 others
    await world.destinations.send("events_only", {"type": "journey", "profile_id": ANN, "key": "k"})
    assert await world.deliver() == 4  # a batch of each: 2 + 2
    assert await world.deliver() == 1
    by_batch = [[(i["type"], i.get("change")) for i in b] for b in world.receiver.batches]
    assert by_batch == [
        [("event", None), ("event", None)],
        [("segment", "entered"), ("profile", "traits")],  # in the order of its topics
        [("journey", None)],
    ]
    assert world.receiver.batches[1][1]["traits"] == {"plan": "pro"}
    assert world.receiver.batches[2][0]["id"] == "events_only:k"


async def test_a_definition_is_checked_and_its_configuration_sealed(world: World) -> None:
    with pytest.raises(InvalidInput):
        await world.destinations.save({"name": "crm", "kind": "recorder", "config": {}}, "a")
    with pytest.raises(InvalidInput):
        await world.destinations.save({"name": "crm", "kind": "nope", "config": {}}, "a")
    await world.define(topics=["events"])
    [stored] = await world.destinations.store.all()
    assert "receiver-one" not in stored.config_enc and stored.topics == ("events",)
    crm = await world.destinations.get("crm")
    assert dict(crm.config) == {"target": "receiver-one", "_name": "crm"}


async def test_a_round_says_whether_a_batch_was_full_so_the_loop_lets_items_gather(
    world: World,
) -> None:
    """The delivery loop goes on at once only after a full batch (more may be waiting);
    otherwise it waits, so that items trickling in go in batches, not a few at a time."""
    await world.define(batch_size=2)
    await world.destinations.enqueue(events(ANN, BOB, "p-cy"), [])
    assert await world.destinations.deliver_round() == (2, True)
    assert await world.destinations.deliver_round() == (1, False)
    assert await world.destinations.deliver_round() == (0, False)
    assert [len(b) for b in world.receiver.batches] == [2, 1]


async def test_the_loop_goes_on_at_once_after_a_full_batch_and_waits_after_a_partial_one(
    world: World,
) -> None:
    await world.define(batch_size=2)
    await world.destinations.enqueue(events(ANN, BOB, "p-cy"), [])
    service = world.destinations
    rounds: list[tuple[float, int, bool]] = []
    deliver_round = service.deliver_round
    stop = asyncio.Event()

    async def timed() -> tuple[int, bool]:
        moved, full = await deliver_round()
        rounds.append((time.monotonic(), moved, full))
        if len(rounds) == 3:
            stop.set()
        return moved, full

    service.deliver_round = timed  # type: ignore[method-assign]
    await asyncio.wait_for(service.run(stop, idle=1.0), 10)
    (first, *_), (second, moved, full), (third, _, _) = rounds
    assert (rounds[0][1:], (moved, full)) == ((2, True), (1, False))
    assert second - first < 0.9  # a full batch: the next round at once
    assert third - second >= 0.9  # a partial one: the items gather for `idle` first
