"""What a message says about identity under the spelling rules: national phone numbers in the
event's country, e-mails in their provider's mailbox spelling, an alias from an old user id,
and the probes that find a stored older spelling."""

from __future__ import annotations

from typing import Any

from app.domain.identity import BlockList, IdentityRules, NormalisedIdentifier
from app.domain.messages import (
    Dropped,
    MessageType,
    TrackedMessage,
    identify_message,
    probes,
)

RULES = IdentityRules()
BLOCKLIST = BlockList.from_rules(RULES)


def message(
    kind: MessageType = "identify",
    traits: dict[str, Any] | None = None,
    context: dict[str, Any] | None = None,
    user_id: str | None = None,
    anonymous_id: str | None = None,
    previous_id: str | None = None,
) -> TrackedMessage:
    return TrackedMessage(
        message_id="m-1",
        type=kind,
        source_id="src",
        received_at=0.0,
        timestamp=0.0,
        traits=traits or {},
        context=context or {},
        user_id=user_id,
        anonymous_id=anonymous_id,
        previous_id=previous_id,
    )


def values(
    m: TrackedMessage, stored: tuple[NormalisedIdentifier, ...] = ()
) -> set[tuple[str, str]]:
    return {(i.type, i.value) for i in identify_message(m, RULES, BLOCKLIST, stored).identifiers}


def test_a_national_number_is_read_in_the_locale_country() -> None:
    m = message(traits={"phone": "07400 123456"}, context={"locale": "en-GB"}, user_id="u1")
    assert ("phone", "+447400123456") in values(m)


def test_the_country_trait_wins_over_the_locale() -> None:
    m = message(
        traits={"phone": "030 901820", "country": "DE"}, context={"locale": "en-GB"}, user_id="u"
    )
    assert ("phone", "+4930901820") in values(m)


def test_a_national_number_without_a_country_is_dropped_as_invalid() -> None:
    m = message(traits={"phone": "07400 123456"}, user_id="u1")
    identity = identify_message(m, RULES, BLOCKLIST)
    assert Dropped("phone", "invalid") in identity.dropped


def test_an_email_becomes_its_mailbox() -> None:
    m = message(traits={"email": "J.Doe+news@googlemail.com"}, anonymous_id="a1")
    assert ("email", "jdoe@gmail.com") in values(m)


def test_an_email_probes_its_spelling_from_before_the_mailbox_rule() -> None:
    m = message(traits={"email": "J.Doe+news@gmail.com"}, anonymous_id="a1")
    old = NormalisedIdentifier("email", "j.doe+news@gmail.com")
    assert probes(m, RULES, BLOCKLIST) == (old,)
    assert ("email", "j.doe+news@gmail.com") not in values(m)
    assert values(m, (old,)) == {
        ("anonymous_id", "a1"),
        ("email", "jdoe@gmail.com"),
        ("email", "j.doe+news@gmail.com"),
    }
    plain = message(traits={"email": "jdoe@gmail.com"}, anonymous_id="a1")
    assert probes(plain, RULES, BLOCKLIST) == ()


def test_an_alias_previous_id_is_an_anonymous_id_unless_a_user_id_is_stored() -> None:
    m = message("alias", user_id="new-1", previous_id="old-1")
    assert values(m) == {("user_id", "new-1"), ("anonymous_id", "old-1")}
    old = NormalisedIdentifier("user_id", "old-1")
    assert probes(m, RULES, BLOCKLIST) == (old,)
    identity = identify_message(m, RULES, BLOCKLIST, (old,))
    assert {(i.type, i.value) for i in identity.identifiers} == {
        ("user_id", "new-1"),
        ("user_id", "old-1"),
    }
    assert identity.owner == NormalisedIdentifier("user_id", "new-1")
    assert identity.rule == "alias"


def test_a_blocked_previous_id_probes_nothing() -> None:
    m = message("alias", user_id="new-1", previous_id="undefined")
    assert probes(m, RULES, BLOCKLIST) == ()


def test_a_user_id_that_is_an_email_address_is_that_address_too() -> None:
    found = identify_message(message(user_id="Jane.Doe@Example.org"), RULES, BLOCKLIST)
    assert found.owner is not None and found.owner.type == "user_id"
    assert NormalisedIdentifier("email", "jane.doe@example.org") in found.identifiers
    # Off, or not an address: the user id alone.
    off = IdentityRules(emails_in_user_ids=False)
    alone = identify_message(message(user_id="Jane.Doe@Example.org"), off, BLOCKLIST)
    assert [i.type for i in alone.identifiers] == ["user_id"]
    odd = identify_message(message(user_id="team@"), RULES, BLOCKLIST)
    assert [i.type for i in odd.identifiers] == ["user_id"]
    assert odd.dropped == ()
