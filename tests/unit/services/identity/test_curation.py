"""Operator actions on the in-memory identity graph: unlink, relink, block, manual merge, joins
of the review queue, explanations and re-resolution, each recomputing only its component with
the rules ingestion uses. Milliseconds each (the contract test proves the graph against Neo4j;
tests/integration/test_graphql_identity.py the same actions through the API)."""

from __future__ import annotations

import copy
import dataclasses

import pytest

from app.errors import InvalidInput, NotFound
from app.services.identity.curated import IdentifierRef
from tests.fakes.identity_graph import InMemoryIdentityGraph
from tests.messages import message
from tests.support.identity_world import IdentityWorld, identity_world

T0 = 1_700_000_000.0


def ref(type: str, value: str) -> IdentifierRef:
    return IdentifierRef.of(type, value)


async def test_an_unlinked_identifier_stays_apart_when_seen_with_its_profile_again(
    world: IdentityWorld, graph: InMemoryIdentityGraph
) -> None:
    await world.ingest(message("identify", user="u1", anon="a1", at=T0))
    user = await world.profile("user_id", "u1")
    curated = await world.curation.unlink(ref("anonymous_id", "a1"), "op", "shared laptop")
    assert curated.outcome.splits
    assert curated.profile not in {None, user}
    pair = sorted((world.key("anonymous_id", "a1"), world.key("user_id", "u1")))
    assert list(graph.state.never) == [tuple(pair)]
    await world.ingest(message("identify", user="u1", anon="a1", at=T0 + 5))
    assert await world.profile("anonymous_id", "a1") != await world.profile("user_id", "u1")


async def test_relink_lifts_the_never_pairs_and_the_evidence_decides_again(
    world: IdentityWorld, graph: InMemoryIdentityGraph
) -> None:
    await world.ingest(message("identify", user="u1", anon="a1", at=T0))
    await world.curation.unlink(ref("anonymous_id", "a1"), "op", "mistake")
    await world.curation.relink(ref("anonymous_id", "a1"), "op")
    assert graph.state.never == {}
    assert await world.profile("anonymous_id", "a1") == await world.profile("user_id", "u1")


async def test_a_blocked_value_links_nothing_and_keeps_its_events(
    world: IdentityWorld, graph: InMemoryIdentityGraph
) -> None:
    await world.ingest(
        message("identify", user="u1", anon="shared", at=T0),
        message("identify", user="u2", anon="shared", at=T0 + 1),
    )
    await world.curation.set_blocked(ref("anonymous_id", "shared"), True, "op")
    found = await world.found("anonymous_id", "shared")
    assert found is not None and found["blocked"]
    users = {await world.profile("user_id", u) for u in ("u1", "u2")}
    assert found["profile"] not in users  # it left the user it was with
    assert len(graph.state.events) == 2
    # A later event naming the blocked value joins it to no one.
    await world.ingest(message("identify", user="u3", anon="shared", at=T0 + 2))
    assert await world.profile("anonymous_id", "shared") == found["profile"]
    assert graph.state.members(found["profile"] or "") == {world.key("anonymous_id", "shared")}


async def test_a_manual_merge_joins_two_profiles_and_the_old_id_resolves(
    world: IdentityWorld, graph: InMemoryIdentityGraph
) -> None:
    await world.ingest(
        message("identify", user="u1", email="a@example.com", at=T0),
        message("identify", anon="a2", phone="+14155550100", at=T0 + 1),
    )
    one, two = await world.profile("user_id", "u1"), await world.profile("anonymous_id", "a2")
    assert one and two and one != two
    outcome = await world.curation.merge_profiles([one, two], "same person", "op")
    assert outcome.profile_id is not None and outcome.conflict is None
    assert set(outcome.merged_ids) | {outcome.profile_id} == {one, two}
    assert await world.profile("user_id", "u1") == await world.profile("phone", "+14155550100")
    gone = (set(outcome.merged_ids) - {outcome.profile_id}).pop()
    assert graph.state.profiles[gone].status == "merged"
    rules = {rule for (_, _, rule) in graph.state.links}
    assert "manual_merge" in rules


async def test_a_merge_that_would_break_a_rule_is_refused_and_changes_nothing(
    world: IdentityWorld, graph: InMemoryIdentityGraph
) -> None:
    """Two user ids cannot share a profile unless an alias says so (the type cap of
    user_id): the merge is refused."""
    await world.ingest(message("identify", user="u1", at=T0), message("identify", user="u2", at=T0))
    one, two = await world.profile("user_id", "u1"), await world.profile("user_id", "u2")
    assert one and two
    before = copy.deepcopy(graph.state)
    outcome = await world.curation.merge_profiles([one, two], "guess", "op")
    assert outcome.profile_id is None and outcome.conflict == "type_cap:user_id"
    assert graph.state.profiles == before.profiles and graph.state.links == before.links


async def test_an_accepted_join_of_two_user_ids_records_reviewed_alias_evidence(
    world: IdentityWorld, graph: InMemoryIdentityGraph
) -> None:
    await world.ingest(message("identify", user="u1", at=T0), message("identify", user="u2", at=T0))
    one, two = await world.profile("user_id", "u1"), await world.profile("user_id", "u2")
    assert one and two
    outcome = await world.curation.join_as_one((one, two), "two accounts", "alice")
    assert outcome.profile_id is not None
    sources = {link.source for link in graph.state.links.values()}
    assert "review:alice" in sources
    assert await world.profile("user_id", "u1") == await world.profile("user_id", "u2")


async def test_explain_gives_the_evidence_chain_between_two_identifiers(
    world: IdentityWorld,
) -> None:
    await world.ingest(
        message("identify", user="u1", anon="a1", at=T0),
        message("identify", anon="a1", email="e@example.com", at=T0 + 1),
    )
    found = await world.curation.explain(("user_id", "u1"), ("email", "e@example.com"))
    assert found.connected and len(found.path) == 2
    assert found.profile_a == found.profile_b
    with pytest.raises(NotFound):
        await world.curation.explain(("user_id", "u1"), ("user_id", "nobody"))


async def test_re_resolution_under_new_rules_reports_then_applies_the_change(
    world: IdentityWorld, graph: InMemoryIdentityGraph
) -> None:
    """One browser session that carried a user id, an e-mail and a phone in three events:
    under a stricter generic_degree the session is a shared value and links none of them."""
    await world.ingest(
        message("identify", anon="a1", user="u1", at=T0),
        message("track", anon="a1", email="e@example.com", at=T0 + 1),
        message("track", anon="a1", phone="+14155550100", at=T0 + 2),
    )
    assert len(graph.state.active_profiles("ws")) == 1
    stricter = dataclasses.replace(world.rules, generic_degree=2)
    strict = identity_world(graph, world.sealer, stricter)
    preview = await strict.curation.reresolve(dry_run=True)
    assert len(preview) == 1 and preview[0].splits >= 2
    assert len(graph.state.active_profiles("ws")) == 1  # a dry run changes nothing
    assert await strict.curation.reresolve(dry_run=False) == preview
    assert len(graph.state.active_profiles("ws")) == 1 + preview[0].splits
    anon = await strict.found("anonymous_id", "a1")
    assert anon is not None and anon["generic"]
    # Under the configured rules again, the session joins them as before.
    assert [c.merges for c in await world.curation.reresolve(dry_run=False)] == [preview[0].splits]
    assert len(graph.state.active_profiles("ws")) == 1


async def test_references_are_checked_before_anything_is_read(world: IdentityWorld) -> None:
    with pytest.raises(InvalidInput):
        await world.curation.unlink(ref("Shoe Size", "42"), "op", "no such type")
    with pytest.raises(InvalidInput):
        await world.curation.unlink(IdentifierRef.by_key("x" * 600), "op", "too long")
    with pytest.raises(NotFound):
        await world.curation.unlink(ref("user_id", "never-seen"), "op", "missing")
    with pytest.raises(InvalidInput):
        await world.curation.merge_profiles(["p1"], "one", "op")
