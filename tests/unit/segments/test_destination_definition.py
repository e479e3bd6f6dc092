"""A destination's definition is checked field by field, each refusal naming its field."""

from __future__ import annotations

from typing import Any

import pytest

from app.domain.destinations import TOPICS, DestinationError, parse_destination

GOOD: dict[str, Any] = {"name": "crm_hook", "kind": "webhook", "config": {"url": "https://x"}}


def test_defaults_fill_what_is_left_out() -> None:
    found = parse_destination(GOOD)
    assert (found.topics, found.batch_size, found.purpose, found.forward_erasures) == (
        TOPICS,
        100,
        None,
        False,
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": "crm hook"}, "name: letters, digits and _"),
        ({"name": "x" * 65}, "name: letters, digits and _"),
        ({"topics": []}, "topics: some of profiles, segments, events"),
        ({"topics": ["profiles", "orders"]}, "topics.1: some of profiles, segments, events"),
        ({"topics": "profiles"}, "topics: some of"),
        ({"batch_size": 0}, "batch_size: between 1 and 1000"),
        ({"batch_size": True}, "batch_size: between 1 and 1000"),
        ({"batch_size": "10"}, "batch_size: between 1 and 1000"),
        ({"purpose": 3}, "purpose: a consent purpose"),
        ({"config": ["url"]}, "config: "),
        ({"batchsize": 10}, "batchsize: Extra inputs are not permitted"),
    ],
)
def test_each_bad_field_is_named(change: dict[str, Any], message: str) -> None:
    with pytest.raises(DestinationError) as refused:
        parse_destination({**GOOD, **change})
    assert str(refused.value).startswith(message)


def test_a_definition_must_be_an_object() -> None:
    with pytest.raises(DestinationError, match="destination: expected an object"):
        parse_destination(["crm_hook"])
