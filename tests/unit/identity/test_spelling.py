"""Mailbox rules per e-mail provider, and the country of a phone number from the event."""

from __future__ import annotations

from typing import Any

import pytest

from app.domain.identity import IdentityRules, RulesError, normalise
from app.domain.identity.spelling import event_region, locale_region, region_code

RULES = IdentityRules()


def email(value: str, rules: IdentityRules = RULES) -> str:
    return normalise("email", value, None, rules.mailboxes)


@pytest.mark.parametrize(
    "spelling",
    [
        "jane.doe@gmail.com",
        "JaneDoe@Gmail.com",
        " j.a.n.e.doe+news@gmail.com ",
        "jane.doe+a+b@googlemail.com",
        "janedoe@GOOGLEMAIL.COM",
    ],
)
def test_gmail_ignores_dots_tags_and_googlemail(spelling: str) -> None:
    assert email(spelling) == "janedoe@gmail.com"


def test_plus_addressing_providers_drop_the_tag_but_keep_dots() -> None:
    assert email("Jane.Doe+shop@outlook.com") == "jane.doe@outlook.com"
    assert email("jane+x@icloud.com") == "jane@icloud.com"


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("Jane.Doe@gmial.com", "janedoe@gmail.com"),
        ("jane@hotmial.com", "jane@hotmail.com"),
        ("jane+x@outlok.com", "jane@outlook.com"),
        ("j.ane@yaho.com", "j.ane@yahoo.com"),
    ],
)
def test_a_mistyped_provider_is_the_one_meant(typed: str, meant: str) -> None:
    assert email(typed) == meant


@pytest.mark.parametrize(
    "spelling", ["jürgen@müller.de", "JÜRGEN@MÜLLER.DE", "jürgen@xn--mller-kva.de"]
)
def test_an_internationalised_domain_is_one_domain_in_either_form(spelling: str) -> None:
    assert email(spelling) == "jürgen@müller.de"


def test_a_domain_that_is_no_valid_international_name_is_kept() -> None:
    assert email("a@xn--bad-.com") == "a@xn--bad-.com"
    assert email("a@" + "ü" * 70 + ".de") == "a@" + "ü" * 70 + ".de"


def test_other_domains_are_only_lower_cased() -> None:
    # A company's server may deliver jane+x and jane.doe to different people.
    assert email("Jane.Doe+x@Example.org") == "jane.doe+x@example.org"
    assert email("first.last@yahoo.com") == "first.last@yahoo.com"


def test_a_rule_that_would_leave_nothing_keeps_the_local_part() -> None:
    assert email("+news@gmail.com") == "+news@gmail.com"
    assert email("...@gmail.com") == "...@gmail.com"


def test_without_mailbox_rules_only_case_and_spaces_change() -> None:
    assert normalise("email", " J.Doe+x@GMail.com", None) == "j.doe+x@gmail.com"
    assert normalise("email", "a@xn--mller-kva.de", None) == "a@xn--mller-kva.de"


def test_email_providers_are_configurable() -> None:
    rules = IdentityRules.from_mapping(
        {"email_providers": {"corp.example": {"tag_separator": "-"}, "mail.example": {}}}
    )
    assert email("jane-news@corp.example", rules) == "jane@corp.example"
    assert email("j.doe+x@gmail.com", rules) == "j.doe+x@gmail.com"  # replaced defaults
    assert IdentityRules.from_mapping(rules.to_mapping()) == rules


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"gmail.com": {"dots": True}}, r"unknown key\(s\) dots"),
        ({"gmail.com": {"ignore_dots": "yes"}}, "ignore_dots: expected true or false"),
        ({"gmail.com": {"tag_separator": "++"}}, "tag_separator: expected one character"),
        ({"gmail.com": {"tag_separator": "@"}}, "tag_separator: expected one character"),
        ({"a.com": {"same_as": "b.com"}, "b.com": {"same_as": "c.com"}}, "another alias"),
        ("gmail.com", "expected a mapping"),
    ],
)
def test_bad_email_providers_are_named(config: Any, message: str) -> None:
    with pytest.raises(RulesError, match=message):
        IdentityRules.from_mapping({"email_providers": config})


@pytest.mark.parametrize(
    ("locale", "region"),
    [
        ("en-GB", "GB"),
        ("en_gb", "GB"),
        ("de_DE.UTF-8", "DE"),
        ("zh-Hant-TW", "TW"),
        ("en", None),
        ("en-ZZ", None),
        ("", None),
        (None, None),
        (42, None),
    ],
)
def test_region_of_a_locale(locale: Any, region: str | None) -> None:
    assert locale_region(locale) == region


@pytest.mark.parametrize(
    ("text", "region"), [("gb", "GB"), (" UK ", "GB"), ("United Kingdom", None), (1, None)]
)
def test_region_code(text: Any, region: str | None) -> None:
    assert region_code(text) == region


def test_event_region_believes_the_country_trait_then_the_locale_then_the_default() -> None:
    both = ({"country": "DE"}, {"locale": "en-GB"})
    assert event_region(*both, ("country", "locale"), "US") == "DE"
    assert event_region(*both, ("locale", "country"), "US") == "GB"
    assert event_region(*both, (), "US") == "US"
    address = {"address": {"country": "fr"}}
    assert event_region(address, {}, ("country",), None) == "FR"
    context_traits = {"traits": {"country": "IE"}}
    assert event_region({}, context_traits, ("country",), None) == "IE"
    assert (
        event_region({"country": "nowhere"}, {"locale": "xx"}, ("country", "locale"), None) is None
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [(["country", "ip"], "expected any of country, locale"), (["locale", "locale"], "duplicate")],
)
def test_bad_phone_region_sources_are_named(value: Any, message: str) -> None:
    with pytest.raises(RulesError, match=message):
        IdentityRules.from_mapping({"phone_region_from": value})
