"""The destination stores (definitions in Neo4j, outboxes in Valkey) and the action record
store: the in-memory fakes behave as the real ones do."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest

from app.adapters.stores.actions import Neo4jActionRecordStore
from app.adapters.stores.destinations import Neo4jDestinationStore
from app.adapters.valkey.outbox import ValkeyOutbox
from app.bootstrap import Container
from app.ports.actions import ActionRecord, ActionRecordStore
from app.ports.destinations import (
    DestinationOutbox,
    DestinationSpec,
    DestinationStore,
    StoredDestination,
)
from tests.fakes.actions import InMemoryActionRecordStore
from tests.fakes.destinations import InMemoryDestinationStore, InMemoryOutbox
from tests.messages import message

pytestmark = pytest.mark.integration

T0 = 1_700_000_000.0


@pytest.fixture(params=["memory", "neo4j"])
def store(request: pytest.FixtureRequest) -> DestinationStore:
    """A sync fixture: it asks for the async `container` only for the real store."""
    if request.param == "memory":
        return InMemoryDestinationStore()
    container: Container = request.getfixturevalue("container")
    assert isinstance(container.destinations.store, Neo4jDestinationStore)
    return container.destinations.store


@pytest.fixture(params=["memory", "valkey"])
def outbox(request: pytest.FixtureRequest) -> DestinationOutbox:
    """A sync fixture: it asks for the async `container` only for the real store."""
    if request.param == "memory":
        return InMemoryOutbox()
    container: Container = request.getfixturevalue("container")
    assert isinstance(container.destinations.outbox, ValkeyOutbox)
    return container.destinations.outbox


SPEC = DestinationSpec("crm", "webhook", "marketing", ("events",), 50, True, "sealed-1")


async def test_a_destination_is_saved_replaced_and_started(store: DestinationStore) -> None:
    await store.save(SPEC, T0)
    await store.save(dataclasses.replace(SPEC, name="ads", purpose=None), T0)
    assert [(d.name, d.active) for d in await store.all()] == [("ads", False), ("crm", False)]
    assert await store.set_active("crm", True, T0 + 1)
    assert not await store.set_active("nope", True, T0 + 1)
    replaced = dataclasses.replace(SPEC, topics=("events", "profiles"), config_enc="sealed-2")
    await store.save(replaced, T0 + 2)
    crm = await store.get("crm")
    # Replacing keeps it started.
    assert crm == StoredDestination(**dataclasses.asdict(replaced), active=True)
    assert await store.get("nope") is None


async def test_an_outbox_hands_out_its_oldest_items_and_counts_what_left(
    outbox: DestinationOutbox,
) -> None:
    assert await outbox.append("crm", [{"n": i, "at": T0} for i in range(5)]) == 5
    assert await outbox.append("crm", []) == 0
    first = await outbox.head("crm", 2)
    assert [e.item for e in first] == [{"n": 0, "at": T0}, {"n": 1, "at": T0}]
    assert await outbox.failed("crm") == 1
    assert await outbox.failed("crm") == 2
    await outbox.delivered("crm", first, 1, 1)
    assert [e.item["n"] for e in await outbox.head("crm", 10)] == [2, 3, 4]
    assert await outbox.stats("crm") == {
        "failed_attempts": 2,
        "attempt": 0,
        "delivered": 1,
        "skipped_no_consent": 1,
        "waiting": 3,
        "dead_letters": 0,
    }
    assert await outbox.stats("other") == {"waiting": 0, "dead_letters": 0}


async def test_dead_letters_keep_why_and_a_replay_queues_them_again(
    outbox: DestinationOutbox,
) -> None:
    await outbox.append("crm", [{"n": i} for i in range(3)])
    batch = await outbox.head("crm", 2)
    await outbox.dead_letter("crm", batch, "OutboundRefused", "url: internal", refused=True)
    [last] = await outbox.head("crm", 10)
    await outbox.dead_letter("crm", [last], "ConnectionError")
    letters = [(d.item["n"], d.reason, d.detail) for d in await outbox.dead_letters("crm")]
    assert letters == [
        (0, "OutboundRefused", "url: internal"),
        (1, "OutboundRefused", "url: internal"),
        (2, "ConnectionError", None),
    ]
    stats = await outbox.stats("crm")
    assert (stats["dead_lettered"], stats["refused"], stats["waiting"]) == (3, 2, 0)
    assert await outbox.replay("crm") == 3 and await outbox.replay("crm") == 0
    assert [e.item["n"] for e in await outbox.head("crm", 10)] == [0, 1, 2]
    assert (await outbox.stats("crm"))["dead_letters"] == 0


@dataclass
class ActionBench:
    store: ActionRecordStore
    profile: Callable[[str], Awaitable[str]]


@pytest.fixture(params=["memory", "neo4j"])
def actions(request: pytest.FixtureRequest) -> ActionBench:
    """A sync fixture: it asks for the async `container` only for the real store."""
    if request.param == "memory":
        fake = InMemoryActionRecordStore()

        async def profile_in_memory(anon: str) -> str:
            fake.profiles.add(f"profile-of-{anon}")
            return f"profile-of-{anon}"

        return ActionBench(fake, profile_in_memory)
    container: Container = request.getfixturevalue("container")

    async def profile_in_graph(anon: str) -> str:
        await container.ingestion.ingest([message(anon=anon)])
        view = await container.profiles.profile_by_identifier("anonymous_id", anon)
        assert view is not None
        return view.id

    assert isinstance(container.gate.store, Neo4jActionRecordStore)
    return ActionBench(container.gate.store, profile_in_graph)


def _action(id: str, at: float, outcome: str) -> ActionRecord:
    return ActionRecord(id, "webhook:welcome", "marketing", outcome, "granted", at, {"n": 1})


async def test_action_records_are_written_at_once_and_come_back_newest_first(
    actions: ActionBench,
) -> None:
    ann, bob = await actions.profile("anon-batch-1"), await actions.profile("anon-batch-2")
    written = await actions.store.record_many(
        [
            (ann, _action("b1", T0, "taken")),
            ("nobody", _action("b2", T0, "taken")),
            (bob, _action("b3", T0 + 1, "skipped")),
            (ann, _action("b4", T0 + 2, "failed")),
        ]
    )
    assert written == {"b1", "b3", "b4"}
    assert [(a.id, a.outcome) for a in await actions.store.history(ann, 10)] == [
        ("b4", "failed"),
        ("b1", "taken"),
    ]
    assert [a.id for a in await actions.store.history(bob, 10)] == ["b3"]
    assert [a.id for a in await actions.store.history(ann, 1)] == ["b4"]
    assert [a.detail for a in await actions.store.history(ann, 10)] == [{"n": 1}, {"n": 1}]
    assert await actions.store.record_many([]) == set()
