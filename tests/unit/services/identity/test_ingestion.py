"""Ingestion on the in-memory identity graph: who becomes one profile, what is stored once,
what an erasure bars, what is recomputed and what is published, what becomes of a decision
made stale by a batch committed meanwhile. Milliseconds each;
tests/integration/contracts/test_identity_graph.py proves the in-memory graph answers as Neo4j
does, and tests/integration/identity/ proves the whole path on Neo4j."""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path

import pytest

from app.domain.messages import TrackedMessage
from app.errors import NotFound
from app.privacy import BlindIndex, LocalKeyStore
from app.services.identity.curated import IdentifierRef
from app.services.identity.ingestion import WriteMode
from app.services.identity.keys import Sealer
from tests.fakes.changes import InMemoryChangeFeed
from tests.fakes.identity_graph import InMemoryIdentityGraph, InMemoryIdentityTx
from tests.messages import message
from tests.support.identity_reads import event_count, partition
from tests.support.identity_world import IdentityWorld, identity_world

T0 = 1_700_000_000.0


async def test_a_new_visitor_who_signs_up_is_one_profile_with_what_they_told(
    world: IdentityWorld, graph: InMemoryIdentityGraph, feed: InMemoryChangeFeed
) -> None:
    report = await world.ingest(
        message("track", anon="a1", at=T0),
        message(
            "identify",
            anon="a1",
            user="u1",
            email="Ann@Example.com",
            at=T0 + 1,
            traits={"plan": "pro"},
        ),
    )
    assert (report.stored, report.duplicates, report.merges) == (2, 0, 0)
    groups = await world.grouping(
        [("anonymous_id", "a1"), ("user_id", "u1"), ("email", "ann@example.com")]
    )
    assert len(groups) == 1 and not groups[0][0].startswith("missing")
    profile = await world.profile("user_id", "u1")
    assert profile is not None
    stored = graph.state.profiles[profile]
    assert stored.plain.get("t_plan") == "pro"
    # The address is sealed everywhere the graph holds it: nodes, events, observations,
    # golden records (the plain trait `plan` is there in clear, as the schema says).
    held = repr(graph.state).lower()
    assert "ann@example.com" not in held and "'t_plan': 'pro'" in held
    published = [n.profile_id for e in feed.entries.values() for n in e.notices]
    assert profile in published


async def test_an_anonymous_history_joins_the_user_when_they_log_in_later(
    world: IdentityWorld, graph: InMemoryIdentityGraph
) -> None:
    await world.ingest(message("track", anon="a1", at=T0))
    await world.ingest(message("identify", user="u1", at=T0 + 1))
    two = {await world.profile("anonymous_id", "a1"), await world.profile("user_id", "u1")}
    report = await world.ingest(message("identify", anon="a1", user="u1", at=T0 + 2))
    assert report.merges == 1
    kept = await world.profile("user_id", "u1")
    assert await world.profile("anonymous_id", "a1") == kept
    assert kept in two and len(two) == 2
    (gone,) = two - {kept}
    assert gone is not None
    assert (graph.state.profiles[gone].status, graph.state.profiles[gone].merged_into) == (
        "merged",
        kept,
    )
    assert list(graph.state.active_profiles("ws")) == [kept]


async def test_a_loyal_user_with_many_browser_sessions_keeps_them_all(
    world: IdentityWorld,
) -> None:
    """Thirty cookies lost over half a year: a user id joined by many anonymous ids is a
    person, not a shared value (generic_degree counts other types)."""
    sessions = 30
    assert sessions > world.rules.generic_degree
    for week in range(sessions):
        await world.ingest(message("identify", anon=f"cookie-{week}", user="loyal", at=T0 + week))
    ids = [("user_id", "loyal")] + [("anonymous_id", f"cookie-{w}") for w in range(sessions)]
    assert len(await world.grouping(ids)) == 1
    found = await world.found("user_id", "loyal")
    assert found is not None and not found["generic"]


async def test_a_kiosk_device_shared_by_many_users_links_none_of_them(
    world: IdentityWorld,
) -> None:
    people = world.rules.generic_degree + 5
    for n in range(people):
        await world.ingest(message("identify", user=f"u{n}", device="kiosk", at=T0 + n))
    groups = await world.grouping([("user_id", f"u{n}") for n in range(people)])
    assert len(groups) == people
    kiosk = await world.found("device_id", "kiosk")
    assert kiosk is not None and kiosk["generic"]


async def test_two_user_ids_on_one_email_are_refused_and_kept_apart(
    world: IdentityWorld,
) -> None:
    await world.ingest(message("identify", user="u1", email="shared@example.com", at=T0))
    report = await world.ingest(
        message("identify", user="u2", email="shared@example.com", at=T0 + 1)
    )
    assert report.new_conflicts
    assert await world.profile("user_id", "u1") != await world.profile("user_id", "u2")
    assert await world.profile("email", "shared@example.com") == await world.profile(
        "user_id", "u1"
    )


async def test_a_replayed_batch_stores_nothing_twice(
    world: IdentityWorld, graph: InMemoryIdentityGraph
) -> None:
    batch = [
        message("identify", anon="a1", user="u1", at=T0),
        message("track", anon="a1", at=T0 + 1),
    ]
    await world.ingest(*batch)
    links = {k: dataclasses.replace(v) for k, v in graph.state.links.items()}
    again = await world.ingest(*batch)
    assert (again.stored, again.duplicates) == (0, 2)
    assert len(graph.state.events) == 2
    assert graph.state.links == links  # a replay adds no evidence


async def test_a_first_delivery_that_was_stored_after_all_is_written_again_with_lookup(
    world: IdentityWorld, graph: InMemoryIdentityGraph
) -> None:
    """The resolver skips the lookup for a first delivery; an event sent again after the
    de-duplication window fails on its unique id and the batch is written again, looking
    events up: the new event is stored, the old one counted as a duplicate."""
    old = message("identify", anon="a1", user="u1", at=T0)
    await world.ingest(old, unseen=True)
    report = await world.ingest(old, message("track", anon="a1", at=T0 + 1), unseen=True)
    assert (report.stored, report.duplicates, report.retries) == (1, 1, 1)
    assert len(graph.state.events) == 2


async def test_a_decision_made_stale_by_a_batch_committed_meanwhile_is_dropped(
    world: IdentityWorld, graph: InMemoryIdentityGraph
) -> None:
    """Components made only of new identifiers are decided before the batch takes the lock;
    under the lock, one some of whose identifiers another batch stored meanwhile, or whose
    message is a replay, is resolved from the graph instead."""
    first = message("identify", anon="a-1", user="u-1", at=10.0)
    await world.ingest(first)
    # The batch read the graph before `first` was stored (as when the previous batch commits
    # between this one's read and its lock): every identifier looked new to it. It carries
    # a replay of `first`, a second device of u-1, and a newcomer.
    report = await world.ingestion.write_batch(
        [
            first,
            message(anon="a-2", user="u-1", at=20.0),
            message("identify", anon="n-1", user="n-user", at=30.0),
        ],
        WriteMode(),
        set(),
    )
    assert report.stored == 2 and report.duplicates == 1
    u1 = await world.profile_id("user_id", "u-1")
    assert await world.profile_id("anonymous_id", "a-1") == u1
    assert await world.profile_id("anonymous_id", "a-2") == u1
    newcomer = await world.profile_id("user_id", "n-user")
    assert await world.profile_id("anonymous_id", "n-1") == newcomer != u1
    # No profile was made for the dropped decision: two people, two profiles.
    assert len(partition(graph)) == 2
    assert len(graph.state.active_profiles("ws")) == 2
    assert event_count(graph, u1) == 2


async def test_a_failed_transaction_leaves_nothing_behind(
    world: IdentityWorld, graph: InMemoryIdentityGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    await world.ingest(message("identify", anon="a1", user="u1", at=T0))
    before = copy.deepcopy(graph.state)

    async def lost(*args: object) -> None:
        raise ConnectionError("Neo4j went away")

    # Identifiers, evidence and events are written by then; the connection drops.
    monkeypatch.setattr(InMemoryIdentityTx, "record_sightings", lost)
    with pytest.raises(ConnectionError):
        await world.ingest(message("identify", anon="a2", user="u1", device="d1", at=T0 + 1))
    assert graph.state == before


async def test_messages_naming_an_erased_value_are_dropped_and_its_new_key_destroyed(
    world: IdentityWorld, graph: InMemoryIdentityGraph
) -> None:
    graph.state.suppressed.add(world.key("email", "gone@example.com"))
    report = await world.ingest(
        message("identify", anon="a9", email="gone@example.com", at=T0),
        message("track", anon="a8", at=T0 + 1),
    )
    assert (report.stored, report.suppressed) == (1, 1)
    assert await world.found("anonymous_id", "a9") is None
    assert await world.found("anonymous_id", "a8") is not None
    # The data key made for the erased value before the transaction is destroyed after it.
    gone = world.key("email", "gone@example.com")
    assert await world.sealer.data_keys([gone], create=False) == {}


async def test_a_known_visitor_recomputes_no_component(
    world: IdentityWorld, graph: InMemoryIdentityGraph
) -> None:
    await world.ingest(message("identify", anon="a1", user="u1", at=T0))
    graph.transactions.clear()
    await world.ingest(message("track", anon="a1", at=T0 + 60))
    asked = [q for tx in graph.transactions for q in tx]
    assert "expand_component" not in asked
    assert "create_events" in asked


async def test_consent_given_on_an_event_is_recorded_once_until_it_changes(
    world: IdentityWorld, graph: InMemoryIdentityGraph
) -> None:
    def with_consent(granted: bool, at: float) -> TrackedMessage:
        m = message("track", anon="a1", at=at)
        return dataclasses.replace(
            m, context={"consent": {"categoryPreferences": {"marketing": granted}}}
        )

    first = await world.ingest(with_consent(True, T0))
    same = await world.ingest(with_consent(True, T0 + 1))
    changed = await world.ingest(with_consent(False, T0 + 2))
    assert (first.consents, same.consents, changed.consents) == (1, 0, 1)
    assert sorted(c["granted"] for c in graph.state.consents.values()) == [False, True]


async def test_two_workspaces_on_one_graph_never_share_a_profile_or_a_key(
    graph: InMemoryIdentityGraph, world: IdentityWorld, tmp_path: Path
) -> None:
    with LocalKeyStore(tmp_path / "other.sqlite", b"o" * 32) as keys:
        other_graph = InMemoryIdentityGraph("other", graph.state)
        other = identity_world(
            other_graph, Sealer("other", BlindIndex({"k1": b"i" * 32}, "k1"), keys)
        )
        await world.ingest(message("identify", user="u1", anon="a1", at=T0))
        await other.ingest(message("identify", user="u1", anon="a1", at=T0))
        assert (
            len(graph.state.active_profiles("ws")) == len(graph.state.active_profiles("other")) == 1
        )
        assert await world.profile("user_id", "u1") != await other.profile("user_id", "u1")
        # A key of one workspace names nothing in the other.
        with pytest.raises(NotFound):
            await other.curation.unlink(
                IdentifierRef.by_key(world.key("user_id", "u1")), "op", "test"
            )
