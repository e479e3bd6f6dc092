"""Messages of the tracking API: the required fields and types of each call, what each call
becomes, batches refused by one bad message, and per-message size limits."""

from __future__ import annotations

from typing import Any

import pytest

from app.domain.tracking.parse import MESSAGE_LIMIT, parse_batch, parse_single
from tests.unit.tracking.parsing import NOW, RECEIPT, refusal


@pytest.mark.parametrize(
    ("kind", "data", "message"),
    [
        ("identify", {"traits": {}}, "userId or anonymousId is required"),
        ("track", {"userId": "u"}, "event: is required"),
        ("track", {"userId": "u", "event": ""}, "event: must be a non-empty string"),
        (
            "track",
            {"userId": {"nested": "pii"}, "event": "E"},
            "userId: must be a string or a number",
        ),
        ("track", {"userId": True, "event": "E"}, "userId: must be a string or a number"),
        ("page", {"anonymousId": "a", "properties": [1]}, "properties: must be an object"),
        ("screen", {"anonymousId": "a", "name": 5}, "name: must be a string"),
        ("group", {"userId": "u"}, "groupId: is required"),
        (
            "group",
            {"userId": "u", "groupId": ""},
            "groupId: must be a non-empty string or a number",
        ),
        ("alias", {"userId": "u"}, "previousId: is required"),
        ("identify", {"userId": "u", "context": "x"}, "context: must be an object"),
        (
            "track",
            {"userId": "u", "event": "E", "messageId": "m" * 300},
            "messageId: must be at most 255 characters",
        ),
        # Names are indexed: a longer one would fail every write of its batch in Neo4j.
        ("track", {"userId": "u", "event": "E" * 1001}, "event: must be at most 1000 characters"),
        ("page", {"userId": "u", "name": "P" * 1001}, "name: must be at most 1000 characters"),
        ("screen", {"userId": "u", "name": "S" * 1001}, "name: must be at most 1000 characters"),
        # Past 2^53 a float cannot tell neighbouring ids apart (JSON past 2^64 is a float).
        (
            "track",
            {"userId": 2.0**64, "event": "E"},
            "userId: a number this large loses its digits: send it as a string",
        ),
        (
            "alias",
            {"userId": "u", "previousId": -1e300},
            "previousId: a number this large loses its digits: send it as a string",
        ),
    ],
)
def test_required_fields_and_types_of_each_call(
    kind: str, data: dict[str, Any], message: str
) -> None:
    error = refusal(parse_single, kind, data, RECEIPT)
    assert error.status == 400
    assert error.message == message
    assert "pii" not in error.message


def test_names_up_to_the_limit_and_exact_number_ids_are_accepted() -> None:
    track = parse_single("track", {"userId": 2**63 - 1, "event": "E" * 1000}, RECEIPT)
    assert (track.user_id, len(track.event or "")) == (str(2**63 - 1), 1000)
    page = parse_single("page", {"anonymousId": 1.5, "name": "P" * 1000}, RECEIPT)
    assert (page.anonymous_id, len(page.name or "")) == ("1.5", 1000)


def test_each_call_becomes_a_tracked_message() -> None:
    identify = parse_single(
        "identify",
        {"userId": 42, "traits": {"plan": "pro"}, "context": {"traits": {"email": "a@b.co"}}},
        RECEIPT,
    )
    assert (identify.type, identify.user_id, identify.source_id) == ("identify", "42", "src-1")
    assert identify.traits == {"email": "a@b.co", "plan": "pro"}
    assert identify.received_at == NOW and identify.timestamp == NOW
    track = parse_single(
        "track", {"anonymousId": "a", "event": "Bought", "properties": {"n": 1}}, RECEIPT
    )
    assert (track.event, track.properties, track.traits) == ("Bought", {"n": 1}, {})
    page = parse_single("page", {"userId": "u", "name": "Home", "category": "Docs"}, RECEIPT)
    assert (page.name, page.properties) == ("Home", {"category": "Docs"})
    screen = parse_single("screen", {"userId": "u", "name": None, "category": None}, RECEIPT)
    assert (screen.type, screen.name, screen.properties) == ("screen", None, {})
    group = parse_single(
        "group", {"userId": "u", "groupId": 7, "traits": {"email": "billing@acme.co"}}, RECEIPT
    )
    assert (group.group_id, group.traits) == ("7", {})
    assert group.properties == {"groupTraits": {"email": "billing@acme.co"}}
    alias = parse_single("alias", {"userId": "u", "previousId": "anon-1"}, RECEIPT)
    assert (alias.previous_id, alias.user_id) == ("anon-1", "u")


def test_the_path_decides_the_type_and_unknown_fields_are_accepted() -> None:
    message = parse_single(
        "track",
        {"type": "identify", "userId": "u", "event": "E", "channel": "server", "email": "x"},
        RECEIPT,
    )
    assert message.type == "track"


def test_message_id_is_kept_or_generated_and_context_kept_as_is() -> None:
    consent = {"consent": {"categoryPreferences": {"Advertising": False}}}
    kept = parse_single(
        "track", {"userId": "u", "event": "E", "messageId": "m-1", "context": consent}, RECEIPT
    )
    assert kept.message_id == "m-1" and kept.context == consent
    made = parse_single("track", {"userId": "u", "event": "E", "messageId": None}, RECEIPT)
    again = parse_single("track", {"userId": "u", "event": "E"}, RECEIPT)
    assert len(made.message_id) == 36 and made.message_id != again.message_id


def test_batch_context_is_merged_into_each_message() -> None:
    (message,) = parse_batch(
        {
            "context": {"ip": "1.2.3.4", "library": {"name": "batch"}},
            "batch": [{"type": "track", "userId": "u", "event": "E", "context": {"ip": "5.6.7.8"}}],
        },
        RECEIPT,
    )
    assert message.context == {"ip": "5.6.7.8", "library": {"name": "batch"}}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"batch": "nope"}, "batch: must be an array"),
        ({}, "batch: is required"),
        ({"batch": [1]}, "batch[0]: must be an object"),
        ({"batch": [{"userId": "u"}]}, "batch[0].type: is required"),
        (
            {"batch": [{"type": "purchase", "userId": "u"}]},
            "batch[0].type: must be one of identify, track, page, screen, group, alias",
        ),
        (
            {
                "batch": [
                    {"type": "track", "userId": "u", "event": "E"},
                    {"type": "track", "event": "E"},
                ]
            },
            "batch[1]: userId or anonymousId is required",
        ),
        (
            {"batch": [{"type": "alias", "userId": "u", "previousId": ["a"]}]},
            "batch[0].previousId: must be a string or a number",
        ),
        ({"batch": [], "sentAt": 5}, "sentAt: must be a string"),
    ],
)
def test_one_bad_message_refuses_the_batch_naming_its_index(
    data: dict[str, Any], message: str
) -> None:
    error = refusal(parse_batch, data, RECEIPT)
    assert (error.status, error.message) == (400, message)


def test_message_size_limits() -> None:
    big = {"type": "track", "userId": "u", "event": "E", "properties": {"x": "y" * MESSAGE_LIMIT}}
    error = refusal(
        parse_batch, {"batch": [{"type": "track", "userId": "u", "event": "E"}, big]}, RECEIPT
    )
    assert (error.status, error.message) == (413, "batch[1]: larger than 32 KB")
    single = refusal(parse_single, "track", big, RECEIPT)
    assert single.status == 413
    just_fits = {**big, "properties": {"x": "y" * (MESSAGE_LIMIT - 200)}}
    assert parse_single("track", just_fits, RECEIPT).event == "E"
