"""Segment definitions: accepted shapes, errors that point at the bad part, the JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.domain.segments import (
    AllOf,
    EventCount,
    NotCondition,
    SegmentError,
    TraitCompare,
    dependencies,
    json_schema,
    parse_definition,
)

SCHEMA_PATH = Path(__file__).resolve().parents[3] / "docs" / "segment.schema.json"


def test_a_nested_definition_parses_and_knows_its_inputs() -> None:
    definition = parse_definition(
        {
            "name": "loyal_pro",
            "condition": {
                "all": [
                    {"trait": "plan", "op": "eq", "value": "pro"},
                    {"event": "Order Completed", "min_count": 2, "within_days": 30},
                    {"not": {"consent": "marketing"}},
                    {"any": [{"identifier": "email"}, {"segment": "vip"}]},
                ]
            },
        }
    )
    assert isinstance(definition.condition, AllOf)
    first, second, third, _ = definition.condition.items
    assert first == TraitCompare("plan", "eq", "pro")
    assert second == EventCount("Order Completed", 2, None, 30)
    assert isinstance(third, NotCondition)
    deps = dependencies(definition.condition)
    assert deps.traits == {"plan"} and deps.events == {"Order Completed"}
    assert deps.purposes == {"marketing"} and deps.segments == {"vip"}
    assert deps.identifier_types == {"email"} and deps.windowed


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"name": "Bad Name", "condition": {"identifier": "email"}}, "definition.name"),
        ({"name": "s", "condition": {"all": []}}, "condition.all: expected a non-empty list"),
        (
            {"name": "s", "condition": {"all": [{"identifier": "email"}, {"trait": "plan"}]}},
            "condition.all[1].value: required for op 'eq'",
        ),
        (
            {"name": "s", "condition": {"any": [{"event": "E", "min_count": -1}]}},
            "condition.any[0].min_count",
        ),
        ({"name": "s", "condition": {"trait": "plan", "op": "like", "value": 1}}, "condition.op"),
        ({"name": "s", "condition": {"wat": 1}}, "condition: expected exactly one of"),
        (
            {"name": "s", "condition": {"not": {"event": "E", "min_count": 3, "max_count": 1}}},
            "condition.not.max_count: smaller than min_count",
        ),
        (
            {"name": "s", "condition": {"trait": "plan", "op": "in", "value": "pro"}},
            "condition.value: a list for op 'in'",
        ),
    ],
)
def test_errors_point_at_the_bad_part(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(SegmentError) as caught:
        parse_definition(raw)
    assert str(caught.value).startswith(message), str(caught.value)


def test_the_published_json_schema_is_current() -> None:
    assert json.loads(SCHEMA_PATH.read_text(encoding="utf-8")) == json_schema(), (
        "docs/segment.schema.json is stale: run `python -m app.domain.segments.schema_file`"
    )
