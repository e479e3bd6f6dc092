"""The rules for messy identifiers on the in-memory graph: national phone numbers in the event's
country, mailbox spellings, an older spelling stored before a mailbox rule, an alias from an
old user id (before or after the old account's events), and a junk user id caught by its
rivals (docs/identity.md, 4.1 and 4.6). The
contract test's messy_identifiers scenario runs them on Neo4j too; the `cdp identity generic`
command stays in tests/integration/identity/test_messy_identifiers.py."""

from __future__ import annotations

import dataclasses

import pytest

from app.services.identity.keys import Sealer
from tests.fakes.identity_graph import InMemoryIdentityGraph
from tests.messages import message, with_context
from tests.support.identity_reads import conflicts
from tests.support.identity_world import IdentityWorld, identity_world


async def test_a_national_number_joins_its_international_spelling(world: IdentityWorld) -> None:
    await world.ingest(message("identify", anon="a-1", phone="+44 7400 123456", at=1.0))
    national = message("identify", anon="a-2", phone="07400 123456", at=2.0)
    report = await world.ingest(with_context(national, locale="en-GB"))
    assert report.dropped_identifiers == {}
    assert await world.profile_id("anonymous_id", "a-1") == await world.profile_id(
        "anonymous_id", "a-2"
    )
    # Without a country the national spelling is dropped, and nothing is joined.
    alone = await world.ingest(message("identify", anon="a-3", phone="07400 123456", at=3.0))
    assert alone.dropped_identifiers == {"invalid:phone": 1}


async def test_spellings_of_one_gmail_mailbox_are_one_profile(world: IdentityWorld) -> None:
    spellings = ["jane.doe@gmail.com", "JaneDoe+news@Gmail.com", " jane.d.oe@googlemail.com "]
    for i, spelling in enumerate(spellings):
        await world.ingest(message("identify", anon=f"a-{i}", email=spelling, at=float(i)))
    profiles = {await world.profile_id("anonymous_id", f"a-{i}") for i in range(3)}
    assert len(profiles) == 1
    assert await world.profile_id("email", "janedoe@gmail.com") in profiles


async def test_a_spelling_stored_before_the_mailbox_rule_joins_the_new_one(
    world: IdentityWorld, graph: InMemoryIdentityGraph, sealer: Sealer
) -> None:
    before = identity_world(graph, sealer, dataclasses.replace(world.rules, email_providers={}))
    await before.ingest(message("identify", anon="a-old", email="J.Doe@gmail.com", at=1.0))
    assert await before.found("email", "j.doe@gmail.com")
    # Under the mailbox rule the address is jdoe@gmail.com, a node of its own; seen again,
    # the message carries the stored older spelling too, and the two join.
    await world.ingest(message("identify", anon="a-new", email="j.doe@gmail.com", at=2.0))
    assert await world.profile_id("anonymous_id", "a-old") == await world.profile_id(
        "anonymous_id", "a-new"
    )


async def test_an_alias_from_a_stored_user_id_joins_the_two_accounts(
    world: IdentityWorld, graph: InMemoryIdentityGraph
) -> None:
    await world.ingest(message("identify", anon="a-1", user="legacy-7", at=1.0))
    await world.ingest(message("alias", user="acct-7", previous="legacy-7", at=2.0))
    await world.ingest(message("identify", anon="a-2", user="acct-7", at=3.0))
    pid = await world.profile_id("user_id", "acct-7")
    assert await world.profile_id("user_id", "legacy-7") == pid
    assert await world.profile_id("anonymous_id", "a-1") == pid
    assert await world.profile_id("anonymous_id", "a-2") == pid
    # No anonymous id named legacy-7 was made up.
    assert await world.found("anonymous_id", "legacy-7") is None
    assert conflicts(graph) == []
    # Identify evidence between two user ids is no succession: the cap still holds.
    await world.ingest(message("identify", anon="a-2", user="other-7", at=4.0))
    assert await world.profile_id("user_id", "other-7") != pid


async def test_an_alias_in_one_batch_with_the_old_user_ids_events(world: IdentityWorld) -> None:
    await world.ingest(
        message("identify", anon="a-1", user="legacy-8", at=1.0),
        message("alias", user="acct-8", previous="legacy-8", at=2.0),
    )
    assert await world.profile_id("user_id", "legacy-8") == await world.profile_id(
        "user_id", "acct-8"
    )


ALIAS_FIRST = [
    [message("alias", user="acct-9", previous="legacy-9", at=20.0, source="src-crm")],
    [message("identify", anon="a-1", user="legacy-9", at=1.0)],
    [message("track", anon="a-1", user="legacy-9", at=2.0)],
    [message("identify", anon="a-2", user="acct-9", at=30.0)],
]


async def _alias_edge(world: IdentityWorld) -> tuple[str, float, float | None, str | None]:
    """The succession edge between the two user ids of ALIAS_FIRST, as explained."""
    explained = await world.curation.explain(("user_id", "legacy-9"), ("user_id", "acct-9"))
    assert explained.connected
    [step] = explained.path
    return step.rule, step.first_seen, step.last_seen, step.source


@pytest.mark.parametrize("order", ["alias-first", "alias-last"])
async def test_an_alias_before_the_old_accounts_events_joins_them_once_they_come(
    world: IdentityWorld, graph: InMemoryIdentityGraph, order: str
) -> None:
    batches = ALIAS_FIRST if order == "alias-first" else [*ALIAS_FIRST[1:3], ALIAS_FIRST[0]]
    for batch in batches:
        await world.ingest(*batch)
    await world.ingest(*ALIAS_FIRST[3])
    pid = await world.profile_id("user_id", "acct-9")
    for type_, value in [("user_id", "legacy-9"), ("anonymous_id", "a-1"), ("anonymous_id", "a-2")]:
        assert await world.profile_id(type_, value) == pid
    # The edge between the accounts is the alias's, whichever came first.
    assert await _alias_edge(world) == ("alias", 20.0, 20.0, "src-crm")
    assert conflicts(graph) == []


async def test_an_alias_alone_makes_up_no_user_id(world: IdentityWorld) -> None:
    await world.ingest(message("alias", user="acct-9", previous="legacy-9", at=20.0))
    assert await world.found("user_id", "legacy-9") is None
    # A user id spelled like an anonymous id that no alias named stays apart from it.
    await world.ingest(message("track", anon="visitor-3", at=21.0))
    await world.ingest(message("identify", anon="a-3", user="visitor-3", at=22.0))
    assert await world.profile_id("user_id", "visitor-3") != await world.profile_id(
        "anonymous_id", "visitor-3"
    )


@pytest.mark.parametrize("together", [False, True], ids=["one-by-one", "one-batch"])
async def test_a_junk_user_id_in_many_browsers_joins_nobody(
    world: IdentityWorld, together: bool
) -> None:
    people = world.rules.generic_rivals + 2
    batches = [
        [
            message("identify", anon=f"browser-{i}", user="[object Object]", at=i * 10.0),
            message("identify", anon=f"browser-{i}", user=f"user-{i}", at=i * 10.0 + 1),
        ]
        for i in range(people)
    ]
    if together:
        await world.ingest(*[m for batch in batches for m in batch])
    else:
        for batch in batches:
            for m in batch:
                await world.ingest(m)
    for i in range(people):
        assert await world.profile_id("anonymous_id", f"browser-{i}") == await world.profile_id(
            "user_id", f"user-{i}"
        )
    junk = await world.found("user_id", "[object Object]")
    assert junk is not None and junk["generic"] is True
    users = {await world.profile_id("user_id", f"user-{i}") for i in range(people)}
    assert len(users) == people
