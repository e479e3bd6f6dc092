"""Identity scenarios on a real Neo4j: what a CDP user expects from resolution."""

from __future__ import annotations

import pytest

from app.bootstrap import Container
from app.services.identity.curated import IdentifierRef
from tests.identity_checks import conflicts, partition, profile_id
from tests.messages import message

pytestmark = pytest.mark.integration


async def test_anonymous_browsing_then_login_joins_the_events(container: Container) -> None:
    await container.ingestion.ingest([message(anon="anon-1", at=100.0)])
    await container.ingestion.ingest([message(anon="anon-1", at=110.0, event="Added")])
    await container.ingestion.ingest(
        [message("identify", anon="anon-1", user="user-1", email="jane@example.com", at=120.0)]
    )
    pid = await profile_id(container, "user_id", "user-1")
    assert await profile_id(container, "anonymous_id", "anon-1") == pid
    assert await profile_id(container, "email", "jane@example.com") == pid
    assert await container.profiles.event_count(pid) == 3


async def test_a_family_device_never_merges_two_users(container: Container) -> None:
    await container.ingestion.ingest([message("identify", user="mum", device="ipad-1", at=1.0)])
    report = await container.ingestion.ingest(
        [message("identify", user="son", device="ipad-1", at=2.0)]
    )
    mum = await profile_id(container, "user_id", "mum")
    son = await profile_id(container, "user_id", "son")
    assert mum != son
    # The device stays with the strongest, earliest evidence: mum's.
    assert await profile_id(container, "device_id", "ipad-1") == mum
    # The refused link is kept as evidence and recorded as a conflict with its reason.
    assert [c.reason for c in report.new_conflicts] == ["type_cap:user_id"]
    recorded = await conflicts(container)
    assert [(c["rule"], c["refusal"]) for c in recorded] == [("identify", "type_cap:user_id")]


async def test_a_shared_email_becomes_generic_and_bridges_nobody(container: Container) -> None:
    limit = container.rules.generic_degree
    for i in range(limit + 2):
        await container.ingestion.ingest(
            [message("identify", user=f"customer-{i}", email="info@shop.example", at=float(i))]
        )
    profiles = {await profile_id(container, "user_id", f"customer-{i}") for i in range(limit + 2)}
    assert len(profiles) == limit + 2
    shared = await container.curation.find_key("email", "info@shop.example")
    rows = await container.graph.read("identity/find_identifiers", keys=[shared])
    assert rows[0]["generic"] is True


async def test_a_loyal_user_keeps_every_session_past_the_generic_degree(
    container: Container,
) -> None:
    # A weekly visitor whose browser loses its cookie: a new anonymous id at every login.
    visits = container.rules.generic_degree + 5
    for week in range(visits):
        await container.ingestion.ingest(
            [message(anon=f"visit-{week}", at=week * 604_800.0, event="Viewed")]
        )
        await container.ingestion.ingest(
            [message("identify", anon=f"visit-{week}", user="loyal", at=week * 604_800.0 + 60)]
        )
    pid = await profile_id(container, "user_id", "loyal")
    for week in range(visits):
        assert await profile_id(container, "anonymous_id", f"visit-{week}") == pid
    assert await container.profiles.event_count(pid) == 2 * visits
    explained = await container.curation.explain(("anonymous_id", "visit-0"), ("user_id", "loyal"))
    assert explained.connected
    assert await conflicts(container) == []


async def test_past_the_session_cap_the_oldest_session_leaves_not_the_newest(
    container: Container,
) -> None:
    cap = container.rules.type_caps["anonymous_id"]
    for week in range(cap + 2):
        await container.ingestion.ingest(
            [message("identify", anon=f"visit-{week}", user="loyal", at=week * 604_800.0)]
        )
    pid = await profile_id(container, "user_id", "loyal")
    kept = [await profile_id(container, "anonymous_id", f"visit-{w}") for w in range(cap + 2)]
    assert kept[2:] == [pid] * cap  # the newest sessions are the person's
    assert pid not in kept[:2]
    refusals = {str(c["refusal"]) for c in await conflicts(container)}
    assert refusals == {"type_cap:anonymous_id"}


async def test_a_junk_email_never_becomes_an_identifier(container: Container) -> None:
    await container.ingestion.ingest([message(anon="a-1", email="test@test.com")])
    await container.ingestion.ingest([message(anon="a-2", email="TEST@test.com ")])
    assert await profile_id(container, "anonymous_id", "a-1") != await profile_id(
        container, "anonymous_id", "a-2"
    )
    assert await container.curation.find_key("email", "test@test.com") is None


async def test_an_alias_chain_resolves_to_one_profile(container: Container) -> None:
    await container.ingestion.ingest([message(anon="a-old", device="phone-1", at=1.0)])
    await container.ingestion.ingest([message(anon="a-new", at=2.0)])
    await container.ingestion.ingest(
        [message("alias", previous="a-old", anon="a-new", user="u-1", at=3.0)]
    )
    pid = await profile_id(container, "user_id", "u-1")
    for type_, value in [
        ("anonymous_id", "a-old"),
        ("anonymous_id", "a-new"),
        ("device_id", "phone-1"),
    ]:
        assert await profile_id(container, type_, value) == pid
    assert await container.profiles.event_count(pid) == 3


@pytest.mark.parametrize(
    "placeholder", ["00000000-0000-0000-0000-000000000000", "null", "anonymous", "undefined"]
)
async def test_placeholder_ids_never_become_identifiers(
    container: Container, placeholder: str
) -> None:
    report = await container.ingestion.ingest(
        [message(anon=placeholder, user=placeholder, event="Viewed")]
    )
    assert report.stored == 1  # the event is kept, flagged as unowned
    assert report.dropped_identifiers == {"blocked:user_id": 1, "blocked:anonymous_id": 1}
    assert await container.curation.find_key("anonymous_id", placeholder) is None
    assert await partition(container) == frozenset()


async def test_email_case_and_phone_formatting_normalise_to_one_identifier(
    container: Container,
) -> None:
    await container.ingestion.ingest(
        [message("identify", user="u-1", email="Jane@Example.COM", phone="+44 20 7946 0958")]
    )
    await container.ingestion.ingest(
        [message(anon="a-9", email=" jane@example.com", phone="+442079460958")]
    )
    pid = await profile_id(container, "user_id", "u-1")
    assert await profile_id(container, "anonymous_id", "a-9") == pid
    identifiers = await container.profiles.identifiers(pid)
    types = sorted(i.type for i in identifiers)
    assert types == ["anonymous_id", "email", "phone", "user_id"]
    values = {i.type: i.value for i in identifiers}
    assert values["email"] == "jane@example.com" and values["phone"] == "+442079460958"


async def test_unlink_splits_events_follow_and_later_evidence_does_not_remerge(
    container: Container,
) -> None:
    await container.ingestion.ingest([message("identify", anon="a-1", user="u-1", at=1.0)])
    await container.ingestion.ingest([message(anon="a-1", at=2.0), message(anon="a-1", at=3.0)])
    pid = await profile_id(container, "user_id", "u-1")
    assert await container.profiles.event_count(pid) == 3

    done = await container.curation.unlink(
        IdentifierRef.of("anonymous_id", "a-1"), "tester", "shared laptop"
    )
    assert len(done.outcome.splits) == 1
    anon_profile = await profile_id(container, "anonymous_id", "a-1")
    assert anon_profile != pid and done.profile == anon_profile
    assert await container.profiles.event_count(anon_profile) == 2
    assert await container.profiles.event_count(pid) == 1

    await container.ingestion.ingest([message(anon="a-1", user="u-1", at=4.0)])
    assert await profile_id(container, "anonymous_id", "a-1") == anon_profile
    assert await profile_id(container, "user_id", "u-1") == pid


async def test_a_merge_keeps_the_oldest_profile_and_old_ids_keep_resolving(
    container: Container,
) -> None:
    await container.ingestion.ingest([message(anon="a-1", at=1.0)])
    older = await profile_id(container, "anonymous_id", "a-1")
    await container.ingestion.ingest([message("identify", user="u-1", at=2.0)])
    newer = await profile_id(container, "user_id", "u-1")
    report = await container.ingestion.ingest([message("identify", anon="a-1", user="u-1")])
    assert report.merges == 1
    assert await profile_id(container, "user_id", "u-1") == older
    retired = await container.profiles.profile(newer)
    assert retired is not None
    assert (retired.status, retired.merged_into) == ("merged", older)


async def test_explain_returns_the_chain_of_evidence(container: Container) -> None:
    await container.ingestion.ingest([message(anon="a-1", device="d-1", at=1.0)])
    await container.ingestion.ingest([message("identify", anon="a-1", user="u-1", at=2.0)])
    explanation = await container.curation.explain(("device_id", "d-1"), ("user_id", "u-1"))
    assert explanation.connected
    assert [(s.from_type, s.to_type, s.rule) for s in explanation.path] == [
        ("device_id", "anonymous_id", "co_occurrence"),
        ("anonymous_id", "user_id", "identify"),
    ]
    assert [s.weight for s in explanation.path] == [0.6, 0.9]
    assert all(s.source == "src-test" and s.count == 1 for s in explanation.path)

    await container.ingestion.ingest([message("identify", anon="a-1", user="u-2", at=3.0)])
    apart = await container.curation.explain(("user_id", "u-1"), ("user_id", "u-2"))
    assert not apart.connected and apart.path == ()


async def test_block_then_unblock_is_reversible(container: Container) -> None:
    await container.ingestion.ingest([message(anon="a-1", email="kiosk@shop.example")])
    await container.ingestion.ingest([message(anon="a-2", email="kiosk@shop.example")])
    before = await partition(container)
    assert len(before) == 1
    await container.curation.set_blocked(
        IdentifierRef.of("email", "kiosk@shop.example"), True, "tester"
    )
    assert await profile_id(container, "anonymous_id", "a-1") != await profile_id(
        container, "anonymous_id", "a-2"
    )
    await container.curation.set_blocked(
        IdentifierRef.of("email", "kiosk@shop.example"), False, "tester"
    )
    assert await partition(container) == before


async def test_manual_merge_refuses_two_user_ids_and_merges_otherwise(
    container: Container,
) -> None:
    await container.ingestion.ingest([message("identify", user="u-1", at=1.0)])
    await container.ingestion.ingest([message("identify", user="u-2", at=2.0)])
    await container.ingestion.ingest([message(anon="a-3", at=3.0)])
    p1, p2, p3 = [
        await profile_id(container, t, v)
        for t, v in [("user_id", "u-1"), ("user_id", "u-2"), ("anonymous_id", "a-3")]
    ]
    refused = await container.curation.merge_profiles([p1, p2], "same person?", "tester")
    assert refused.profile_id is None and refused.conflict == "type_cap:user_id"
    assert len(await partition(container)) == 3  # nothing changed

    merged = await container.curation.merge_profiles([p3, p1], "support ticket 42", "tester")
    assert merged.profile_id == p1 and merged.merged_ids == (p3,)
    assert await profile_id(container, "anonymous_id", "a-3") == p1


async def test_reresolve_shows_then_applies_a_rule_change(container: Container) -> None:
    import dataclasses

    from app.services.identity.curation import CurationService

    await container.ingestion.ingest([message("identify", user="u-1", device="tv-1", at=1.0)])
    await container.ingestion.ingest([message("identify", user="u-2", device="tv-1", at=2.0)])
    assert len(await partition(container)) == 2
    looser = dataclasses.replace(container.rules, type_caps={"user_id": 2})
    base = container.curation
    curation = CurationService(base.graph, base.store, base.sealer, looser, base.golden)

    preview = await curation.reresolve(dry_run=True)
    assert [(c.identifiers, c.merges) for c in preview] == [(3, 1)]
    assert len(await partition(container)) == 2  # a dry run writes nothing

    await curation.reresolve(dry_run=False)
    assert len(await partition(container)) == 1
    assert await curation.reresolve(dry_run=True) == []


async def test_late_binding_links_wait_for_enough_evidence(container: Container) -> None:
    import dataclasses

    from app.services.identity.ingestion import IngestionService

    rules = dataclasses.replace(container.rules, late_binding_types=frozenset({"phone"}))
    base = container.ingestion
    ingestion = IngestionService(
        base.graph,
        base.sealer,
        rules,
        base.builder.observer,
        base.golden,
        base.builder.consent,
        base.rotation.store,
    )
    await ingestion.ingest([message(anon="a-1", phone="+442079460999", at=1.0)])
    # One sighting of a shared phone is only a candidate: the visitor stays alone.
    assert len(await partition(container)) == 2
    await ingestion.ingest([message(anon="a-1", phone="+442079460999", at=2.0)])
    assert len(await partition(container)) == 1
