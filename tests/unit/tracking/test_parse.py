"""Body reading, decompression caps, messages and time correction of the tracking API."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest

from app.domain.json_depth import DEPTH_LIMIT
from app.domain.tracking.parse import (
    BATCH_LIMIT,
    MESSAGE_LIMIT,
    Receipt,
    TrackingError,
    correct_timestamp,
    parse_batch,
    parse_instant,
    parse_single,
)
from app.domain.tracking.spec import BATCH_MESSAGES_LIMIT
from app.entrypoints.tracking.body import load_object, read_body

NOW = 1_700_000_000.0  # 2023-11-14T22:13:20Z
RECEIPT = Receipt("src-1", NOW, horizon_days=365)


async def _chunks(data: bytes, size: int = 4096) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def _read(data: bytes, encoding: str | None = None, cap: int = BATCH_LIMIT) -> bytes:
    return await read_body(_chunks(data), encoding, str(len(data)), cap)


def _refused(call: Any, *args: Any) -> TrackingError:
    with pytest.raises(TrackingError) as caught:
        call(*args)
    return caught.value


# --- time ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-11-14T22:13:20Z", NOW),
        ("2023-11-14T22:13:20.250Z", NOW + 0.25),
        ("2023-11-14T23:13:20+01:00", NOW),
        ("2023-11-14T17:13:20-0500", NOW),
        ("2023-11-14T22:13:20", NOW),  # naive means UTC
        ("2023-11-14 22:13:20.000+00:00", NOW),
        ("2023-11-14", NOW - (22 * 3600 + 13 * 60 + 20)),
        ("2015-2-02T00:30:08.276Z", 1422837008.276),  # Segment's own batch example
    ],
)
def test_iso_8601_with_and_without_zones(text: str, expected: float) -> None:
    assert parse_instant(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["yesterday", "2023-13-01T00:00:00Z", "2023-11-14T25:00", ""])
def test_not_a_date_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_instant(text)


def test_clock_skew_is_corrected_with_sent_at() -> None:
    # The device clock runs 1 h fast: it says the event happened 10 s before it was sent.
    at, flags = correct_timestamp(NOW, NOW + 3600 - 10, NOW + 3600, 365)
    assert (at, flags) == (NOW - 10, ())


def test_without_sent_at_the_client_time_is_kept() -> None:
    assert correct_timestamp(NOW, NOW - 60, None, 365) == (NOW - 60, ())
    assert correct_timestamp(NOW, None, NOW + 99, 365) == (NOW, ())


def test_future_time_is_clamped_and_flagged() -> None:
    assert correct_timestamp(NOW, NOW + 5, None, 365) == (NOW, ("timestamp_clamped",))
    assert correct_timestamp(NOW, NOW + 5, NOW, 365) == (NOW, ("timestamp_clamped",))


def test_time_past_the_horizon_is_kept_and_flagged() -> None:
    old = NOW - 400 * 86_400
    assert correct_timestamp(NOW, old, None, 365) == (old, ("timestamp_old",))
    assert correct_timestamp(NOW, old, None, 500) == (old, ())


def test_explicit_timestamp_wins_over_original_timestamp() -> None:
    message = parse_single(
        "track",
        {
            "userId": "u",
            "event": "E",
            "timestamp": "2023-11-14T22:13:00Z",
            "originalTimestamp": "2023-11-14T22:00:00Z",
        },
        RECEIPT,
    )
    assert message.timestamp == NOW - 20
    fallback = parse_single(
        "track", {"userId": "u", "event": "E", "originalTimestamp": "2023-11-14T22:00:00Z"}, RECEIPT
    )
    assert fallback.timestamp == NOW - 800


def test_batch_sent_at_corrects_each_message_and_its_own_sent_at_wins() -> None:
    messages = parse_batch(
        {
            "sentAt": "2023-11-14T23:13:20Z",  # the device is 1 h ahead
            "batch": [
                {"type": "track", "userId": "u", "event": "E", "timestamp": "2023-11-14T23:13:00Z"},
                {
                    "type": "track",
                    "userId": "u",
                    "event": "E",
                    "timestamp": "2023-11-14T22:13:00Z",
                    "sentAt": "2023-11-14T22:13:20Z",
                },
            ],
        },
        RECEIPT,
    )
    assert [m.timestamp for m in messages] == [NOW - 20, NOW - 20]


def test_bad_timestamp_names_the_field() -> None:
    error = _refused(
        parse_batch,
        {"batch": [{"type": "track", "userId": "secret", "event": "E", "timestamp": "soon"}]},
        RECEIPT,
    )
    assert (error.status, error.message) == (
        400,
        "batch[0].timestamp: must be an ISO-8601 date-time",
    )


# --- bodies --------------------------------------------------------------------------------


async def test_plain_and_gzip_and_deflate_bodies_decode() -> None:
    body = orjson.dumps({"batch": [], "writeKey": "k"})
    assert await _read(body) == body
    assert await _read(gzip.compress(body), "gzip") == body
    assert await _read(gzip.compress(body), " GZIP ") == body
    assert await _read(zlib.compress(body), "deflate") == body


async def test_a_gzip_bomb_stops_at_the_cap() -> None:
    bomb = gzip.compress(b" " * (50 * 1024 * 1024))  # 50 MB of spaces in ~50 KB
    assert len(bomb) < BATCH_LIMIT
    with pytest.raises(TrackingError) as caught:
        await _read(bomb, "gzip")
    assert caught.value.status == 413


async def test_oversized_wire_body_is_refused_before_it_is_read() -> None:
    async def endless() -> AsyncIterator[bytes]:
        while True:
            yield b"x" * 65536

    with pytest.raises(TrackingError) as caught:
        await read_body(endless(), None, None)
    assert caught.value.status == 413
    with pytest.raises(TrackingError) as declared:
        await read_body(_chunks(b"{}"), None, str(BATCH_LIMIT * 2))
    assert declared.value.status == 413


async def test_unsupported_encoding_is_415_and_broken_gzip_is_400() -> None:
    with pytest.raises(TrackingError) as caught:
        await _read(b"{}", "br")
    assert caught.value.status == 415
    for broken in (b"not gzip at all", gzip.compress(b"{}")[:-6], gzip.compress(b"{}") * 2):
        with pytest.raises(TrackingError) as bad:
            await _read(broken, "gzip")
        assert bad.value.status == 400


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"{not json", "body: malformed JSON (unexpected character, expected a string key"),
        (b"", "body: malformed JSON (Input is a zero-length, empty document"),
        (b"[1, 2]", "body: must be a JSON object"),
        (b"\xff\xfe", "body: malformed JSON (str is not valid UTF-8"),
        (b'{"a": 1e309}', "body: malformed JSON (number is infinity when parsed as double"),
        (b'{"a": "\\ud800"}', "body: malformed JSON (no low surrogate in string"),
        (b"[" * 2000 + b"]" * 2000, "body: nested more than 64 levels deep"),
    ],
)
def test_bad_json_is_400_and_says_what_is_wrong(raw: bytes, message: str) -> None:
    error = _refused(load_object, raw)
    assert error.status == 400 and error.message.startswith(message), error.message


def _nested(depth: int) -> Any:
    value: Any = 1
    for level in range(depth):
        value = {"x": value} if level % 2 else [value]
    return value


def test_json_nested_exactly_to_the_limit_is_read() -> None:
    body = {"userId": "u", "event": "E", "properties": _nested(DEPTH_LIMIT - 2)}
    assert load_object(orjson.dumps(body))["userId"] == "u"
    assert parse_single("track", body, RECEIPT).event == "E"


@pytest.mark.parametrize("depth", [DEPTH_LIMIT + 1, 254, 255, 1_000])
def test_json_nested_deeper_than_the_limit_is_400_never_a_crash(depth: int) -> None:
    # orjson reads up to 1,024 levels but writes at most 254: deep input must stop here.
    raw = b'{"userId": "u", "event": "E", "p": ' + b"[" * (depth - 1) + b"]" * (depth - 1) + b"}"
    error = _refused(parse_single, "track", load_object(raw), RECEIPT)
    assert (error.status, error.message) == (
        400,
        f"message: nested more than {DEPTH_LIMIT} levels deep",
    )
    defaults = {"batch": [], "context": {"x": _nested(depth - 2)}}
    refused_defaults = _refused(parse_batch, defaults, RECEIPT)
    assert refused_defaults.message == f"context: nested more than {DEPTH_LIMIT} levels deep"
    item = {"type": "track", "userId": "u", "event": "E", "properties": _nested(depth - 1)}
    refused = _refused(parse_batch, {"batch": [item]}, RECEIPT)
    assert (refused.status, refused.message) == (
        400,
        f"batch[0]: nested more than {DEPTH_LIMIT} levels deep",
    )


def test_a_batch_of_more_messages_than_the_limit_is_413_before_it_is_validated() -> None:
    item = {"type": "track", "userId": "u", "event": "E"}
    assert len(parse_batch({"batch": [item] * BATCH_MESSAGES_LIMIT}, RECEIPT)) == (
        BATCH_MESSAGES_LIMIT
    )
    error = _refused(parse_batch, {"batch": [item] * (BATCH_MESSAGES_LIMIT + 1)}, RECEIPT)
    assert (error.status, error.message) == (413, "batch: more than 10000 messages")


# --- messages ------------------------------------------------------------------------------


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
    error = _refused(parse_single, kind, data, RECEIPT)
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
    error = _refused(parse_batch, data, RECEIPT)
    assert (error.status, error.message) == (400, message)


def test_message_size_limits() -> None:
    big = {"type": "track", "userId": "u", "event": "E", "properties": {"x": "y" * MESSAGE_LIMIT}}
    error = _refused(
        parse_batch, {"batch": [{"type": "track", "userId": "u", "event": "E"}, big]}, RECEIPT
    )
    assert (error.status, error.message) == (413, "batch[1]: larger than 32 KB")
    single = _refused(parse_single, "track", big, RECEIPT)
    assert single.status == 413
    just_fits = {**big, "properties": {"x": "y" * (MESSAGE_LIMIT - 200)}}
    assert parse_single("track", just_fits, RECEIPT).event == "E"


async def test_batch_over_500_kb_is_413_even_gzipped() -> None:
    message = {"type": "track", "userId": "u", "event": "E", "properties": {"x": "y" * 20_000}}
    body = orjson.dumps({"batch": [message] * 30})
    assert len(body) > BATCH_LIMIT
    for data, encoding in ((body, None), (gzip.compress(body), "gzip")):
        with pytest.raises(TrackingError) as caught:
            await _read(data, encoding)
        assert caught.value.status == 413
