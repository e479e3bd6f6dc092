"""Normalisation, blocked values and the rules configuration."""

from __future__ import annotations

from typing import Any

import pytest

from app.domain.identity import (
    BlockList,
    IdentifierError,
    IdentityRules,
    NormalisedIdentifier,
    RawIdentifier,
    RulesError,
    is_external,
    normalise,
)


@pytest.mark.parametrize(
    "value", ["Alice@Example.COM", "  alice@example.com ", "\talice@EXAMPLE.com\n"]
)
def test_email_spellings_become_one_value(value: str) -> None:
    assert normalise("email", value, None) == "alice@example.com"


@pytest.mark.parametrize("value", ["+44 20 7946 0958", "+442079460958", "(020) 7946 0958"])
def test_phone_spellings_become_one_e164(value: str) -> None:
    assert normalise("phone", value, "GB") == "+442079460958"


def test_national_phone_needs_a_region() -> None:
    with pytest.raises(IdentifierError):
        normalise("phone", "(020) 7946 0958", None)


@pytest.mark.parametrize("value", ["12", "not a phone", "+44 20 7946", "+1 000 000 0000"])
def test_invalid_phone_rejected(value: str) -> None:
    with pytest.raises(IdentifierError):
        normalise("phone", value, "GB")


@pytest.mark.parametrize(
    "value", ["alice", "alice@", "@example.com", "a@b@example.com", "al ice@example.com"]
)
def test_invalid_email_rejected(value: str) -> None:
    with pytest.raises(IdentifierError):
        normalise("email", value, None)


def test_ids_are_trimmed_but_keep_case() -> None:
    assert normalise("user_id", "  AbC-42 ", None) == "AbC-42"
    assert normalise("anonymous_id", "Xy9", None) == "Xy9"
    assert normalise("crm_id", " K1 ", None) == "K1"


@pytest.mark.parametrize("type_", ["user_id", "email", "crm_id"])
def test_empty_and_oversized_values_rejected(type_: str) -> None:
    with pytest.raises(IdentifierError):
        normalise(type_, "   ", None)
    with pytest.raises(IdentifierError):
        normalise(type_, "x" * 513, None)


def test_512_characters_is_still_allowed() -> None:
    assert normalise("user_id", "x" * 512, None) == "x" * 512


@pytest.mark.parametrize("type_", ["Email", "1crm", "crm-id", "", "a" * 65, "crm id"])
def test_invalid_type_rejected(type_: str) -> None:
    with pytest.raises(IdentifierError):
        normalise(type_, "v", None)


def test_external_types() -> None:
    assert is_external("crm_id")
    assert not is_external("email")


def test_normalised_identifier_from_raw() -> None:
    raw = RawIdentifier("email", " Bob@X.org ")
    assert NormalisedIdentifier.from_raw(raw, None) == NormalisedIdentifier("email", "bob@x.org")
    assert issubclass(IdentifierError, ValueError)


@pytest.mark.parametrize(
    ("type_", "value"),
    [
        ("anonymous_id", "00000000-0000-0000-0000-000000000000"),
        ("user_id", "0"),
        ("user_id", "-1"),
        ("user_id", "null"),
        ("user_id", "NULL"),
        ("anonymous_id", "anonymous"),
        ("device_id", "Undefined"),
        ("user_id", "n/a"),
        ("email", "test@test.com"),
        ("email", "Test@Test.com "),
        ("email", "user@example.com"),
    ],
)
def test_blocked_values(type_: str, value: str) -> None:
    blocks = BlockList.default()
    ident = NormalisedIdentifier(type_, normalise(type_, value, None))
    assert blocks.is_blocked(ident, raw=value)
    assert blocks.is_blocked(ident)


def test_blocked_phone_and_raw_check() -> None:
    blocks = BlockList.default()
    assert blocks.is_blocked(NormalisedIdentifier("phone", "+10000000000"))
    # the raw placeholder is caught even when the normalised form looks harmless
    assert blocks.is_blocked(NormalisedIdentifier("user_id", "x"), raw=" 0000 ")
    assert blocks.matches_pattern("   ")


@pytest.mark.parametrize(
    ("type_", "value"),
    [
        ("user_id", "u-123"),
        ("email", "alice@example.org"),
        ("user_id", "0a"),
        ("anonymous_id", "0f0e-11"),
        ("user_id", "testing"),
        ("user_id", "nullable"),
    ],
)
def test_real_values_not_blocked(type_: str, value: str) -> None:
    ident = NormalisedIdentifier(type_, normalise(type_, value, None))
    assert not BlockList.default().is_blocked(ident, raw=value)


def test_block_list_from_rules() -> None:
    rules = IdentityRules(blocked_patterns=(r"bot-\d+",), blocked_values=frozenset({"X@Y.z"}))
    blocks = BlockList.from_rules(rules)
    assert blocks.is_blocked(NormalisedIdentifier("user_id", "BOT-7"))
    assert blocks.is_blocked(NormalisedIdentifier("email", "x@y.z"))
    assert not blocks.is_blocked(NormalisedIdentifier("user_id", "null"))


def test_rules_defaults_and_round_trip() -> None:
    rules = IdentityRules()
    assert rules.link_weights["identify"] == 0.9
    assert rules.type_caps["user_id"] == 1
    assert rules.generic_rivals == 3
    assert (rules.total_cap, rules.generic_degree, rules.late_binding_threshold) == (120, 25, 2)
    assert IdentityRules.from_mapping(rules.to_mapping()) == rules
    assert IdentityRules.from_mapping({}) == rules


def test_rules_partial_override() -> None:
    rules = IdentityRules.from_mapping(
        {
            "total_cap": 10,
            "type_caps": {"user_id": 1},
            "late_binding_rules": ["co_occurrence"],
            "default_region": "GB",
        }
    )
    assert rules.total_cap == 10
    assert dict(rules.type_caps) == {"user_id": 1}
    assert rules.late_binding_rules == frozenset({"co_occurrence"})
    assert rules.link_weights["alias"] == 0.9


def test_rules_priority_puts_external_types_after_phone() -> None:
    rules = IdentityRules()
    ranked = sorted(
        ["anonymous_id", "crm_id", "device_id", "phone", "user_id", "email"], key=rules.priority_key
    )
    assert ranked == ["user_id", "email", "phone", "crm_id", "device_id", "anonymous_id"]


@pytest.mark.parametrize(
    ("data", "names"),
    [
        ({"total_caps": 3}, "total_caps"),
        ({"total_cap": 0}, "total_cap"),
        ({"total_cap": True}, "total_cap"),
        ({"generic_degree": "25"}, "generic_degree"),
        ({"link_weights": {"identify": 1.5}}, "link_weights.identify"),
        ({"link_weights": {"identify": "high"}}, "link_weights.identify"),
        ({"link_weights": {"Bad Rule": 0.5}}, "link_weights"),
        ({"type_caps": {"user_id": 0}}, "type_caps.user_id"),
        ({"type_caps": {"User": 1}}, "type_caps"),
        ({"type_priority": ["email", "email"]}, "type_priority"),
        ({"type_priority": "email"}, "type_priority"),
        ({"late_binding_rules": ["nope"]}, "late_binding_rules"),
        ({"late_binding_threshold": -1}, "late_binding_threshold"),
        ({"blocked_patterns": ["("]}, "blocked_patterns"),
        ({"blocked_values": [""]}, "blocked_values"),
        ({"default_region": "XX"}, "default_region"),
        ({"default_region": 44}, "default_region"),
        ({"reassigned_after_days": {"phone": 0}}, "reassigned_after_days.phone"),
        ({"reassigned_after_days": {"phone": "90"}}, "reassigned_after_days.phone"),
        ({"reassigned_after_days": {"Phone": 90}}, "reassigned_after_days"),
        ({"reassigned_after_days": [90]}, "reassigned_after_days"),
        ({"emails_in_user_ids": "yes"}, "emails_in_user_ids"),
        ({"cap_window_days": {"anonymous_id": 0}}, "cap_window_days.anonymous_id"),
        ({"cap_window_days": {"Anon": 7}}, "cap_window_days"),
        ({"cap_window_days": 7}, "cap_window_days"),
    ],
)
def test_rules_errors_name_the_key(data: dict[str, Any], names: str) -> None:
    with pytest.raises(RulesError, match=names.replace(".", r"\.")):
        IdentityRules.from_mapping(data)


def test_rules_are_immutable() -> None:
    source = {"user_id": 1}
    rules = IdentityRules(type_caps=source)
    source["user_id"] = 5
    assert rules.type_caps["user_id"] == 1
    with pytest.raises(TypeError):
        rules.type_caps["user_id"] = 2  # type: ignore[index]


def test_equal_rules_hash_equal() -> None:
    a = IdentityRules(type_caps={"user_id": 1, "email": 2})
    b = IdentityRules.from_mapping({"type_caps": {"email": 2, "user_id": 1}})
    assert a == b
    assert hash(a) == hash(b)
    assert len({a, b, IdentityRules()}) == 2
