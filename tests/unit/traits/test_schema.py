"""The trait schema: validation names the bad key, coercion never echoes a value."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from app.domain.traits import (
    DEFAULT_TRAITS,
    TrackMapping,
    TraitError,
    TraitField,
    TraitSchema,
    coerce,
    normalise_name,
)

CONFIG = Path(__file__).resolve().parents[3] / "config" / "traits.yaml"
SECRET = "jane.SECRET-7731@example.com"


def test_config_file_is_the_default_schema() -> None:
    assert TraitSchema.from_mapping(yaml.safe_load(CONFIG.read_text())) == TraitSchema()


def test_default_schema_declares_the_documented_fields() -> None:
    schema = TraitSchema()
    assert schema.undeclared == "drop"
    assert [f.name for f in DEFAULT_TRAITS][:3] == ["email", "phone", "first_name"]
    email, tags, created = (schema.classify(n) for n in ("email", "tags", "created_at"))
    assert email == TraitField("email", "string", "personal", "most_recent")
    assert tags == TraitField("tags", "list", "plain", "union")
    assert created == TraitField("created_at", "timestamp", "plain", "first_seen")


def test_round_trip_and_hash() -> None:
    schema = TraitSchema(
        fields=(
            TraitField("plan", "string", "plain", "source_priority", {"crm": 0.9}, ("crm",), 30),
            TraitField("tags", "list", "plain", "union"),
        ),
        undeclared="plain",
        default_trust=0.4,
        source_trust={"crm": 0.8, "manual": 0.95},
        half_life_days=90,
        track_mappings=(TrackMapping("Plan Upgraded", "plan", "plan"),),
    )
    again = TraitSchema.from_mapping(schema.to_mapping())
    assert again == schema
    assert hash(again) == hash(schema)
    assert schema.mappings_for("Plan Upgraded") == schema.track_mappings
    assert schema.mappings_for("Signed Up") == ()


def test_list_fields_default_to_union_in_configuration() -> None:
    schema = TraitSchema.from_mapping({"fields": {"tags": {"type": "list", "pii": "plain"}}})
    assert schema.fields == (TraitField("tags", "list", "plain", "union"),)


@pytest.mark.parametrize(
    ("data", "names"),
    [
        ({"feilds": {}}, "unknown key(s) feilds"),
        ({"undeclared": "keep"}, "undeclared"),
        ({"default_trust": 0}, "default_trust"),
        ({"source_trust": {"crm": 1.5}}, "source_trust.crm"),
        ({"source_trust": {"bad source!": 0.5}}, "source_trust"),
        ({"half_life_days": -1}, "half_life_days"),
        ({"fields": {"Email": {"type": "string", "pii": "plain"}}}, "fields"),
        ({"fields": {"email": {"type": "text", "pii": "plain"}}}, "fields.email.type"),
        ({"fields": {"email": {"type": "string"}}}, "fields.email.pii"),
        ({"fields": {"email": {"type": "string", "pii": "x"}}}, "fields.email.pii"),
        ({"fields": {"email": {"type": "string", "pii": "plain", "colour": 1}}}, "colour"),
        ({"fields": {"a": {"type": "string", "pii": "plain", "strategy": "union"}}}, "a.strategy"),
        ({"fields": {"a": {"type": "list", "pii": "plain", "strategy": "first_seen"}}}, "a.strat"),
        ({"fields": {"a": {"type": "list", "pii": "personal"}}}, "fields.a.pii"),
        (
            {"fields": {"a": {"type": "string", "pii": "plain", "source_priority": ["crm"]}}},
            "fields.a.source_priority",
        ),
        (
            {"fields": {"a": {"type": "string", "pii": "plain", "trust_overrides": {"x": 2}}}},
            "fields.a.trust_overrides.x",
        ),
        ({"fields": {"a": {"type": "string", "pii": "plain", "half_life_days": 0}}}, "fields.a"),
        ({"track_mappings": [{"event": "E", "property": "p", "field": "nope"}]}, "nope"),
        ({"track_mappings": [{"event": "E", "property": "p"}]}, "track_mappings"),
        ({"track_mappings": [{"event": "", "property": "p", "field": "plan"}]}, "event"),
        (
            {"track_mappings": [{"event": "E", "property": "p", "field": "plan"}] * 2},
            "track_mappings: duplicate",
        ),
    ],
)
def test_validation_errors_name_the_key(data: dict[str, Any], names: str) -> None:
    with pytest.raises(TraitError, match=None) as caught:
        TraitSchema.from_mapping(data)
    assert names in str(caught.value)


def test_duplicate_fields_are_rejected() -> None:
    field = TraitField("plan", "string", "plain")
    with pytest.raises(TraitError, match="duplicate field"):
        TraitSchema(fields=(field, field))


def test_trust_order_override_table_manual_default() -> None:
    plan = TraitField("plan", "string", "plain", trust_overrides={"crm": 0.95})
    schema = TraitSchema(fields=(plan,), source_trust={"crm": 0.7, "web": 0.6})
    assert schema.trust(plan, "crm") == 0.95
    assert schema.trust(TraitSchema().fields[0], "web") == 0.6
    assert schema.trust(plan, "manual") == 1.0  # not listed: still the highest
    assert schema.trust(plan, "pos") == 0.5
    assert TraitSchema(source_trust={"manual": 0.3}).trust(plan, "manual") == 0.3


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("firstName", "first_name"),
        ("createdAt", "created_at"),
        ("First Name", "first_name"),
        ("lifetime-value", "lifetime_value"),
        ("email", "email"),
        ("$email", None),
        ("", None),
        ("x" * 65, None),
    ],
)
def test_normalise_name(raw: str, name: str | None) -> None:
    assert normalise_name(raw) == name


def test_classify_finds_declared_fields_by_segment_key() -> None:
    schema = TraitSchema()
    assert schema.classify("firstName") == schema.classify("first_name") is not None
    assert schema.classify("favourite_colour") is None


def test_undeclared_policies() -> None:
    assert TraitSchema().decide_undeclared("favourite_colour", "red") is None
    plain = TraitSchema(undeclared="plain")
    assert plain.decide_undeclared("favouriteColour", "red") == TraitField(
        "favourite_colour", "string", "plain", "highest_weight"
    )
    assert plain.decide_undeclared("score", 3.5) == TraitField("score", "number", "plain")
    assert plain.decide_undeclared("vip", True) == TraitField("vip", "boolean", "plain")
    assert plain.decide_undeclared("pets", ["cat"]) == TraitField("pets", "list", "plain", "union")
    with pytest.raises(TraitError, match="unsupported type dict"):
        plain.decide_undeclared("address", {"city": SECRET})
    with pytest.raises(TraitError, match="not a valid name") as caught:
        plain.decide_undeclared(SECRET, "x")
    assert SECRET not in str(caught.value)
    with pytest.raises(TraitError, match="favourite_colour: trait is not declared"):
        TraitSchema(undeclared="reject").decide_undeclared("favourite_colour", "red")


def _field(type_: Any) -> TraitField:
    return TraitField("f", type_, "plain", "union" if type_ == "list" else "highest_weight")


@pytest.mark.parametrize(
    ("type_", "value", "expected"),
    [
        ("string", "  Jane ", "Jane"),
        ("string", 12345, "12345"),
        ("number", "42", 42),
        ("number", " -1.5e2 ", -150),
        ("number", "0.25", 0.25),
        ("number", 3.0, 3),
        ("number", 2.5, 2.5),
        ("boolean", True, True),
        ("boolean", "FALSE", False),
        ("timestamp", "2024-01-02T03:04:05+02:00", "2024-01-02T01:04:05Z"),
        ("timestamp", "2024-01-02T03:04:05.250Z", "2024-01-02T03:04:05.250000Z"),
        ("timestamp", "1990-05-17", "1990-05-17T00:00:00Z"),
        ("timestamp", 0, "1970-01-01T00:00:00Z"),
        ("list", ["b", "a", "b", 2, 10, 1.0, True], (True, 1, 2, 10, "a", "b")),
        ("list", (), ()),
    ],
)
def test_coerce_normalises(type_: Any, value: Any, expected: Any) -> None:
    result = coerce(_field(type_), value)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    ("type_", "value"),
    [
        ("string", {"city": SECRET}),
        ("string", [SECRET]),
        ("string", "   "),
        ("string", SECRET * 200),
        ("string", None),
        ("number", SECRET),
        ("number", "nan"),
        ("number", float("inf")),
        ("number", True),
        ("number", "9" * 5000),
        ("boolean", SECRET),
        ("boolean", 1),
        ("boolean", "yes"),
        ("timestamp", SECRET),
        ("timestamp", True),
        ("timestamp", 10.0**20),
        ("list", SECRET),
        ("list", ["ok", {"x": SECRET}]),
        ("list", ["ok", None]),
        ("list", ["x"] * 1001),
    ],
)
def test_coerce_errors_name_field_and_type_never_the_value(type_: Any, value: Any) -> None:
    with pytest.raises(TraitError) as caught:
        coerce(_field(type_), value)
    message = str(caught.value)
    assert message.startswith(f"f: expected {type_}")
    assert "SECRET" not in message and "7731" not in message
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__ or caught.value.__context__ is None
