"""Identity scenarios on the in-memory graph: what a CDP user expects from resolution (sessions
joined at login, a family device, shared and junk values, the session cap, aliases, merges,
unlinks, blocks, explanations, rule changes). Milliseconds each; what the graph holds is read
through the port, or from its committed state where the port has no read
(tests/support/identity_reads.py). tests/integration/contracts/test_identity_graph.py runs
scenarios of the same kinds on Neo4j and on the in-memory graph and compares them."""

from __future__ import annotations

import dataclasses

import pytest

from app.services.identity.curated import IdentifierRef
from app.services.identity.keys import Sealer
from tests.fakes.identity_graph import InMemoryIdentityGraph
from tests.messages import message
from tests.support.identity_reads import conflicts, event_count, identifiers, lineage, partition
from tests.support.identity_world import IdentityWorld, identity_world

WEEK = 604_800.0


async def test_anonymous_browsing_then_login_joins_the_events(
    world: IdentityWorld, graph: InMemoryIdentityGraph
) -> None:
    await world.ingest(message(anon="anon-1", at=100.0))
    await world.ingest(message(anon="anon-1", at=110.0, event="Added"))
    await world.ingest(
        message("identify", anon="anon-1", user="user-1", email="jane@example.com", at=120.0)
    )
    pid = await world.profile_id("user_id", "user-1")
    assert await world.profile_id("anonymous_id", "anon-1") == pid
    assert await world.profile_id("email", "jane@example.com") == pid
    assert event_count(graph, pid) == 3


async def test_a_family_device_never_merges_two_users(
    world: IdentityWorld, graph: InMemoryIdentityGraph
) -> None:
    await world.ingest(message("identify", user="mum", device="ipad-1", at=1.0))
    report = await world.ingest(message("identify", user="son", device="ipad-1", at=2.0))
    mum = await world.profile_id("user_id", "mum")
    son = await world.profile_id("user_id", "son")
    assert mum != son
    # The device stays with the strongest, earliest evidence: mum's.
    assert await world.profile_id("device_id", "ipad-1") == mum
    # The refused link is kept as evidence and recorded as a conflict with its reason.
    assert [c.reason for c in report.new_conflicts] == ["type_cap:user_id"]
    assert [(c.rule, c.refusal) for c in conflicts(graph)] == [("identify", "type_cap:user_id")]


async def test_a_shared_email_becomes_generic_and_bridges_nobody(world: IdentityWorld) -> None:
    limit = world.rules.generic_degree
    for i in range(limit + 2):
        await world.ingest(
            message("identify", user=f"customer-{i}", email="info@shop.example", at=float(i))
        )
    profiles = {await world.profile_id("user_id", f"customer-{i}") for i in range(limit + 2)}
    assert len(profiles) == limit + 2
    shared = await world.found("email", "info@shop.example")
    assert shared is not None and shared["generic"] is True


async def test_a_loyal_user_keeps_every_session_past_the_generic_degree(
    world: IdentityWorld, graph: InMemoryIdentityGraph
) -> None:
    # A weekly visitor whose browser loses its cookie: a new anonymous id at every login.
    visits = world.rules.generic_degree + 5
    for week in range(visits):
        await world.ingest(message(anon=f"visit-{week}", at=week * WEEK, event="Viewed"))
        await world.ingest(
            message("identify", anon=f"visit-{week}", user="loyal", at=week * WEEK + 60)
        )
    pid = await world.profile_id("user_id", "loyal")
    for week in range(visits):
        assert await world.profile_id("anonymous_id", f"visit-{week}") == pid
    assert event_count(graph, pid) == 2 * visits
    explained = await world.curation.explain(("anonymous_id", "visit-0"), ("user_id", "loyal"))
    assert explained.connected
    assert conflicts(graph) == []


async def test_a_weekly_visitor_past_the_session_cap_keeps_every_session(
    world: IdentityWorld, graph: InMemoryIdentityGraph
) -> None:
    """The session cap counts the new browsers of a week (cap_window_days)."""
    cap = world.rules.type_caps["anonymous_id"]
    for week in range(cap + 2):
        await world.ingest(message("identify", anon=f"visit-{week}", user="loyal", at=week * WEEK))
    pid = await world.profile_id("user_id", "loyal")
    kept = {await world.profile_id("anonymous_id", f"visit-{w}") for w in range(cap + 2)}
    assert kept == {pid}
    assert conflicts(graph) == []


@pytest.mark.parametrize("how", ["reresolve", "next-visit"])
async def test_sessions_let_go_under_a_cap_counted_over_all_time_come_back(
    world: IdentityWorld, graph: InMemoryIdentityGraph, how: str
) -> None:
    """A deployment upgraded from caps counted over all time: re-resolution under the window,
    or the visitor's next visit, gives the loyal visitor the browsers the old cap let go."""
    counted = world.under(dataclasses.replace(world.rules, cap_window_days={}))
    cap = world.rules.type_caps["anonymous_id"]
    for week in range(cap + 2):
        await counted.ingest(
            message("identify", anon=f"visit-{week}", user="loyal", at=week * WEEK)
        )
    pid = await world.profile_id("user_id", "loyal")
    assert await world.profile_id("anonymous_id", "visit-0") != pid
    if how == "reresolve":
        await world.curation.reresolve(dry_run=False)
    else:
        visit = message("identify", anon="visit-new", user="loyal", at=(cap + 2) * WEEK)
        await world.ingest(visit)
    kept = {await world.profile_id("anonymous_id", f"visit-{w}") for w in range(cap + 2)}
    assert kept == {await world.profile_id("user_id", "loyal")}


async def test_past_the_session_cap_within_a_week_the_oldest_session_leaves_not_the_newest(
    world: IdentityWorld, graph: InMemoryIdentityGraph
) -> None:
    cap = world.rules.type_caps["anonymous_id"]
    for hour in range(cap + 2):
        await world.ingest(message("identify", anon=f"visit-{hour}", user="busy", at=hour * 3600.0))
    pid = await world.profile_id("user_id", "busy")
    kept = [await world.profile_id("anonymous_id", f"visit-{h}") for h in range(cap + 2)]
    assert kept[2:] == [pid] * cap  # the newest sessions are the person's
    assert pid not in kept[:2]
    assert {c.refusal for c in conflicts(graph)} == {"type_cap:anonymous_id"}


async def test_a_junk_email_never_becomes_an_identifier(world: IdentityWorld) -> None:
    await world.ingest(message(anon="a-1", email="test@test.com"))
    await world.ingest(message(anon="a-2", email="TEST@test.com "))
    assert await world.profile_id("anonymous_id", "a-1") != await world.profile_id(
        "anonymous_id", "a-2"
    )
    assert await world.found("email", "test@test.com") is None


async def test_an_alias_chain_resolves_to_one_profile(
    world: IdentityWorld, graph: InMemoryIdentityGraph
) -> None:
    await world.ingest(message(anon="a-old", device="phone-1", at=1.0))
    await world.ingest(message(anon="a-new", at=2.0))
    await world.ingest(message("alias", previous="a-old", anon="a-new", user="u-1", at=3.0))
    pid = await world.profile_id("user_id", "u-1")
    for type_, value in [
        ("anonymous_id", "a-old"),
        ("anonymous_id", "a-new"),
        ("device_id", "phone-1"),
    ]:
        assert await world.profile_id(type_, value) == pid
    assert event_count(graph, pid) == 3


@pytest.mark.parametrize(
    "placeholder", ["00000000-0000-0000-0000-000000000000", "null", "anonymous", "undefined"]
)
async def test_placeholder_ids_never_become_identifiers(
    world: IdentityWorld, graph: InMemoryIdentityGraph, placeholder: str
) -> None:
    report = await world.ingest(message(anon=placeholder, user=placeholder, event="Viewed"))
    assert report.stored == 1  # the event is kept, flagged as unowned
    assert report.dropped_identifiers == {"blocked:user_id": 1, "blocked:anonymous_id": 1}
    assert await world.found("anonymous_id", placeholder) is None
    assert partition(graph) == frozenset()


async def test_email_case_and_phone_formatting_normalise_to_one_identifier(
    world: IdentityWorld, graph: InMemoryIdentityGraph, sealer: Sealer
) -> None:
    await world.ingest(
        message("identify", user="u-1", email="Jane@Example.COM", phone="+44 20 7946 0958")
    )
    await world.ingest(message(anon="a-9", email=" jane@example.com", phone="+442079460958"))
    pid = await world.profile_id("user_id", "u-1")
    assert await world.profile_id("anonymous_id", "a-9") == pid
    found = await identifiers(graph, sealer, pid)
    assert sorted(type for type, _ in found) == ["anonymous_id", "email", "phone", "user_id"]
    values = dict(found)
    assert values["email"] == "jane@example.com" and values["phone"] == "+442079460958"


async def test_unlink_splits_events_follow_and_later_evidence_does_not_remerge(
    world: IdentityWorld, graph: InMemoryIdentityGraph
) -> None:
    await world.ingest(message("identify", anon="a-1", user="u-1", at=1.0))
    await world.ingest(message(anon="a-1", at=2.0), message(anon="a-1", at=3.0))
    pid = await world.profile_id("user_id", "u-1")
    assert event_count(graph, pid) == 3

    done = await world.curation.unlink(
        IdentifierRef.of("anonymous_id", "a-1"), "tester", "shared laptop"
    )
    assert len(done.outcome.splits) == 1
    anon_profile = await world.profile_id("anonymous_id", "a-1")
    assert anon_profile != pid and done.profile == anon_profile
    assert event_count(graph, anon_profile) == 2
    assert event_count(graph, pid) == 1

    await world.ingest(message(anon="a-1", user="u-1", at=4.0))
    assert await world.profile_id("anonymous_id", "a-1") == anon_profile
    assert await world.profile_id("user_id", "u-1") == pid


async def test_a_merge_keeps_the_oldest_profile_and_old_ids_keep_resolving(
    world: IdentityWorld, graph: InMemoryIdentityGraph
) -> None:
    await world.ingest(message(anon="a-1", at=1.0))
    older = await world.profile_id("anonymous_id", "a-1")
    await world.ingest(message("identify", user="u-1", at=2.0))
    newer = await world.profile_id("user_id", "u-1")
    report = await world.ingest(message("identify", anon="a-1", user="u-1"))
    assert report.merges == 1
    assert await world.profile_id("user_id", "u-1") == older
    retired = lineage(graph, newer)
    assert (retired.status, retired.merged_into) == ("merged", older)


async def test_explain_returns_the_chain_of_evidence(world: IdentityWorld) -> None:
    await world.ingest(message(anon="a-1", device="d-1", at=1.0))
    await world.ingest(message("identify", anon="a-1", user="u-1", at=2.0))
    explanation = await world.curation.explain(("device_id", "d-1"), ("user_id", "u-1"))
    assert explanation.connected
    assert [(s.from_type, s.to_type, s.rule) for s in explanation.path] == [
        ("device_id", "anonymous_id", "co_occurrence"),
        ("anonymous_id", "user_id", "identify"),
    ]
    assert [s.weight for s in explanation.path] == [0.6, 0.9]
    assert all(s.source == "src-test" and s.count == 1 for s in explanation.path)

    await world.ingest(message("identify", anon="a-1", user="u-2", at=3.0))
    apart = await world.curation.explain(("user_id", "u-1"), ("user_id", "u-2"))
    assert not apart.connected and apart.path == ()


async def test_block_then_unblock_is_reversible(
    world: IdentityWorld, graph: InMemoryIdentityGraph
) -> None:
    await world.ingest(message(anon="a-1", email="kiosk@shop.example"))
    await world.ingest(message(anon="a-2", email="kiosk@shop.example"))
    before = partition(graph)
    assert len(before) == 1
    kiosk = IdentifierRef.of("email", "kiosk@shop.example")
    await world.curation.set_blocked(kiosk, True, "tester")
    assert await world.profile_id("anonymous_id", "a-1") != await world.profile_id(
        "anonymous_id", "a-2"
    )
    await world.curation.set_blocked(kiosk, False, "tester")
    assert partition(graph) == before


async def test_manual_merge_refuses_two_user_ids_and_merges_otherwise(
    world: IdentityWorld, graph: InMemoryIdentityGraph
) -> None:
    await world.ingest(message("identify", user="u-1", at=1.0))
    await world.ingest(message("identify", user="u-2", at=2.0))
    await world.ingest(message(anon="a-3", at=3.0))
    p1, p2, p3 = [
        await world.profile_id(t, v)
        for t, v in [("user_id", "u-1"), ("user_id", "u-2"), ("anonymous_id", "a-3")]
    ]
    refused = await world.curation.merge_profiles([p1, p2], "same person?", "tester")
    assert refused.profile_id is None and refused.conflict == "type_cap:user_id"
    assert len(partition(graph)) == 3  # nothing changed

    merged = await world.curation.merge_profiles([p3, p1], "support ticket 42", "tester")
    assert merged.profile_id == p1 and merged.merged_ids == (p3,)
    assert await world.profile_id("anonymous_id", "a-3") == p1


async def test_reresolve_shows_then_applies_a_rule_change(
    world: IdentityWorld, graph: InMemoryIdentityGraph, sealer: Sealer
) -> None:
    await world.ingest(message("identify", user="u-1", device="tv-1", at=1.0))
    await world.ingest(message("identify", user="u-2", device="tv-1", at=2.0))
    assert len(partition(graph)) == 2
    looser = identity_world(
        graph, sealer, dataclasses.replace(world.rules, type_caps={"user_id": 2})
    )

    preview = await looser.curation.reresolve(dry_run=True)
    assert [(c.identifiers, c.merges) for c in preview] == [(3, 1)]
    assert len(partition(graph)) == 2  # a dry run writes nothing

    await looser.curation.reresolve(dry_run=False)
    assert len(partition(graph)) == 1
    assert await looser.curation.reresolve(dry_run=True) == []


async def test_late_binding_links_wait_for_enough_evidence(
    world: IdentityWorld, graph: InMemoryIdentityGraph, sealer: Sealer
) -> None:
    rules = dataclasses.replace(world.rules, late_binding_types=frozenset({"phone"}))
    late = identity_world(graph, sealer, rules)
    await late.ingest(message(anon="a-1", phone="+442079460999", at=1.0))
    # One sighting of a shared phone is only a candidate: the visitor stays alone.
    assert len(partition(graph)) == 2
    await late.ingest(message(anon="a-1", phone="+442079460999", at=2.0))
    assert len(partition(graph)) == 1
