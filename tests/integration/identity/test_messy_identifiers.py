"""The rules for messy identifiers on a real Neo4j: national phone numbers in the event's
country, mailbox spellings, an older spelling stored before a mailbox rule, an alias from an
old user id, and a junk user id caught by its rivals (docs/identity.md, 4.1 and 4.6)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from app.bootstrap import Container, build_container
from app.settings import Settings
from tests.identity_checks import conflicts, profile_id
from tests.messages import message, with_context
from tests.subprocess_env import run_cdp

pytestmark = pytest.mark.integration


@pytest_asyncio.fixture
async def without_mailbox_rules(
    settings: Settings, container: Container, tmp_path: Path
) -> AsyncIterator[Container]:
    """The same workspace as `container`, under rules written before mailbox rules."""
    rules = tmp_path / "identity.yaml"
    rules.write_text("email_providers: {}\n")
    built = await build_container(settings.model_copy(update={"identity_rules_file": rules}))
    try:
        yield built
    finally:
        await built.close()


async def test_a_national_number_joins_its_international_spelling(container: Container) -> None:
    await container.ingestion.ingest(
        [message("identify", anon="a-1", phone="+44 7400 123456", at=1.0)]
    )
    national = message("identify", anon="a-2", phone="07400 123456", at=2.0)
    report = await container.ingestion.ingest([with_context(national, locale="en-GB")])
    assert report.dropped_identifiers == {}
    assert await profile_id(container, "anonymous_id", "a-1") == await profile_id(
        container, "anonymous_id", "a-2"
    )
    # Without a country the national spelling is dropped, and nothing is joined.
    alone = await container.ingestion.ingest(
        [message("identify", anon="a-3", phone="07400 123456", at=3.0)]
    )
    assert alone.dropped_identifiers == {"invalid:phone": 1}


async def test_spellings_of_one_gmail_mailbox_are_one_profile(container: Container) -> None:
    spellings = ["jane.doe@gmail.com", "JaneDoe+news@Gmail.com", " jane.d.oe@googlemail.com "]
    for i, spelling in enumerate(spellings):
        await container.ingestion.ingest(
            [message("identify", anon=f"a-{i}", email=spelling, at=float(i))]
        )
    profiles = {await profile_id(container, "anonymous_id", f"a-{i}") for i in range(3)}
    assert len(profiles) == 1
    assert await profile_id(container, "email", "janedoe@gmail.com") in profiles


async def test_a_spelling_stored_before_the_mailbox_rule_joins_the_new_one(
    container: Container, without_mailbox_rules: Container
) -> None:
    await without_mailbox_rules.ingestion.ingest(
        [message("identify", anon="a-old", email="J.Doe@gmail.com", at=1.0)]
    )
    assert await without_mailbox_rules.curation.find_key("email", "j.doe@gmail.com")
    # Under the mailbox rule the address is jdoe@gmail.com, a node of its own; seen again,
    # the message carries the stored older spelling too, and the two join.
    await container.ingestion.ingest(
        [message("identify", anon="a-new", email="j.doe@gmail.com", at=2.0)]
    )
    assert await profile_id(container, "anonymous_id", "a-old") == await profile_id(
        container, "anonymous_id", "a-new"
    )


async def test_an_alias_from_a_stored_user_id_joins_the_two_accounts(
    container: Container,
) -> None:
    await container.ingestion.ingest([message("identify", anon="a-1", user="legacy-7", at=1.0)])
    await container.ingestion.ingest([message("alias", user="acct-7", previous="legacy-7", at=2.0)])
    await container.ingestion.ingest([message("identify", anon="a-2", user="acct-7", at=3.0)])
    pid = await profile_id(container, "user_id", "acct-7")
    assert await profile_id(container, "user_id", "legacy-7") == pid
    assert await profile_id(container, "anonymous_id", "a-1") == pid
    assert await profile_id(container, "anonymous_id", "a-2") == pid
    # No anonymous id named legacy-7 was made up.
    assert await container.curation.find_key("anonymous_id", "legacy-7") is None
    assert await conflicts(container) == []
    # Identify evidence between two user ids is no succession: the cap still holds.
    await container.ingestion.ingest([message("identify", anon="a-2", user="other-7", at=4.0)])
    assert await profile_id(container, "user_id", "other-7") != pid


async def test_an_alias_in_one_batch_with_the_old_user_ids_events(container: Container) -> None:
    await container.ingestion.ingest(
        [
            message("identify", anon="a-1", user="legacy-8", at=1.0),
            message("alias", user="acct-8", previous="legacy-8", at=2.0),
        ]
    )
    assert await profile_id(container, "user_id", "legacy-8") == await profile_id(
        container, "user_id", "acct-8"
    )


@pytest.mark.parametrize("together", [False, True], ids=["one-by-one", "one-batch"])
async def test_a_junk_user_id_in_many_browsers_joins_nobody(
    container: Container, together: bool
) -> None:
    people = container.rules.generic_rivals + 2
    batches = [
        [
            message("identify", anon=f"browser-{i}", user="[object Object]", at=i * 10.0),
            message("identify", anon=f"browser-{i}", user=f"user-{i}", at=i * 10.0 + 1),
        ]
        for i in range(people)
    ]
    if together:
        await container.ingestion.ingest([m for batch in batches for m in batch])
    else:
        for batch in batches:
            for m in batch:
                await container.ingestion.ingest([m])
    for i in range(people):
        assert await profile_id(container, "anonymous_id", f"browser-{i}") == await profile_id(
            container, "user_id", f"user-{i}"
        )
    junk = await container.curation.find_key("user_id", "[object Object]")
    rows = await container.graph.read("identity/find_identifiers", keys=[junk])
    assert rows[0]["generic"] is True
    users = {await profile_id(container, "user_id", f"user-{i}") for i in range(people)}
    assert len(users) == people


async def test_cdp_identity_generic_names_what_was_caught(
    container: Container, settings: Settings
) -> None:
    for i in range(container.rules.generic_rivals + 1):
        await container.ingestion.ingest(
            [
                message("identify", anon=f"b-{i}", user="[object Object]", at=i * 10.0),
                message("identify", anon=f"b-{i}", user=f"u-{i}", at=i * 10.0 + 1),
            ]
        )
    out, _ = await run_cdp(settings, "identity", "generic")
    lines = out.splitlines()
    assert lines[0].startswith(f"generic_degree={container.rules.generic_degree}\t")
    junk = await container.curation.find_key("user_id", "[object Object]")
    assert junk is not None
    caught = [line for line in lines[1:] if junk in line]
    assert len(caught) == 1
    assert "caught_by=generic_rivals" in caught[0]
    assert "[object Object]" not in out  # keys and counts, never a value
