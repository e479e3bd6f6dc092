"""Time in the tracking API: ISO-8601 instants, clock-skew correction with sentAt, clamping
of future times and flagging of old ones."""

from __future__ import annotations

import pytest

from app.domain.tracking.parse import correct_timestamp, parse_batch, parse_instant, parse_single
from tests.unit.tracking.parsing import NOW, RECEIPT, refusal


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
    error = refusal(
        parse_batch,
        {"batch": [{"type": "track", "userId": "secret", "event": "E", "timestamp": "soon"}]},
        RECEIPT,
    )
    assert (error.status, error.message) == (
        400,
        "batch[0].timestamp: must be an ISO-8601 date-time",
    )
