"""Masking keeps a value recognisable by eye and never shows it whole, and never raises."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.traits import (
    FIELD_TYPES,
    Candidate,
    Decision,
    TraitField,
    mask,
    mask_decision,
)


@pytest.mark.parametrize(
    ("field_type", "value", "masked"),
    [
        ("string", "jane@example.com", "j***@example.com"),
        ("string", "j@example.com", "***@example.com"),
        ("string", "+442079460958", "+44*******958"),
        ("string", "+44 20 7946 0958", "+44*******958"),
        ("string", "+14155550123", "+1*******123"),
        ("string", "+353861234567", "+353******567"),
        ("string", "+4412345", "+44*****"),
        ("string", "Jane", "J***"),
        ("string", "J", "***"),
        ("string", "", "***"),
        ("string", "@", "***"),
        ("number", 42, "***"),
        ("number", 4.2, "***"),
        ("boolean", False, "***"),
        ("timestamp", "1990-05-17T00:00:00Z", "***"),
        ("list", ("vip", "beta", 3), ["v***", "b***", "***"]),
        ("list", [], []),
        ("string", None, None),
        ("string", 12345, "***"),
        ("string", {"city": "London"}, "***"),
        ("list", "vip", "v***"),
        ("odd", b"bytes", "***"),
    ],
)
def test_mask_examples(field_type: str, value: Any, masked: Any) -> None:
    assert mask(field_type, value) == masked


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([*FIELD_TYPES, "other"]), JSONISH)
def test_mask_never_raises_and_never_shows_a_long_string_whole(field_type: str, value: Any) -> None:
    masked = mask(field_type, value)
    if isinstance(value, str) and len(value) > 4:
        assert masked != value


def _decision(value: Any) -> Decision:
    c = Candidate("vid", value, "crm", 1.0, 1.0, 0.9, 1, ("o1",))
    return Decision("email", c, (c,), "most_recent")


def test_mask_decision_masks_personal_fields_only() -> None:
    personal = TraitField("email", "string", "personal", "most_recent")
    masked = mask_decision(personal, _decision("jane@example.com"))
    assert masked.winner.value == "j***@example.com"
    assert masked.candidates[0].value == "j***@example.com"
    assert masked.winner.value_id == "vid"
    plain = TraitField("email", "string", "plain", "most_recent")
    assert mask_decision(plain, _decision("jane@example.com")) == _decision("jane@example.com")
    sealed = mask_decision(personal, _decision(None))
    assert sealed.winner.value is None
