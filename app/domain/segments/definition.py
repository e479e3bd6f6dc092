"""A segment definition: a name and a condition tree, validated with errors that point at the
bad part (`condition.all[1].op: ...`).

Conditions, as JSON or YAML:

    {"trait": "plan", "op": "eq", "value": "pro"}            a plain trait compared
    {"identifier": "email"}                                   has an identifier of a type
    {"event": "Order Completed", "min_count": 2, "within_days": 30}
    {"consent": "marketing"}                                  may be used for a purpose now
    {"segment": "active_buyers"}                              member of another segment
    {"all": [...]}, {"any": [...]}, {"not": {...}}
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
TraitOp = Literal["eq", "neq", "gt", "gte", "lt", "lte", "in", "contains", "exists", "missing"]
MAX_CONDITIONS = 50
MAX_DEPTH = 6


class SegmentError(ValueError):
    """A definition that cannot be used; the message starts with the path of the bad part."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TraitCompareModel(_Model):
    trait: str = Field(description="A plain trait of the trait schema")
    op: TraitOp = "eq"
    value: Any = Field(None, description="Absent for exists and missing; a list for in")


class HasIdentifierModel(_Model):
    identifier: str = Field(description="An identifier type: email, phone, user_id, ...")


class EventCountModel(_Model):
    event: str = Field(min_length=1, max_length=200, description="A track event's name")
    min_count: int = Field(1, ge=0)
    max_count: int | None = Field(None, ge=0)
    within_days: int | None = Field(
        None,
        ge=1,
        le=3650,
        description="Only events of the last N calendar days, today included, in the "
        "profile's time zone (trait `timezone`) or UTC",
    )


class ConsentIsModel(_Model):
    consent: str = Field(description="A consent purpose; true when the profile may be used")


class InSegmentModel(_Model):
    segment: str = Field(description="The name of another segment")


class HasTagModel(_Model):
    tag: str = Field(
        min_length=1, max_length=100, description="A tag a journey's add_tag put on the profile"
    )


class DefinitionModel(_Model):
    """The published shape (JSON Schema) of a segment definition."""

    name: str = Field(pattern=NAME.pattern)
    description: str = Field("", max_length=500)
    condition: dict[str, Any] = Field(
        description="One condition: trait, identifier, event, consent, segment, tag, or all/any/not"
    )


@dataclass(frozen=True)
class TraitCompare:
    trait: str
    op: str
    value: Any


@dataclass(frozen=True)
class HasIdentifier:
    type: str


@dataclass(frozen=True)
class EventCount:
    event: str
    min_count: int
    max_count: int | None
    within_days: int | None


@dataclass(frozen=True)
class ConsentIs:
    purpose: str


@dataclass(frozen=True)
class InSegment:
    segment: str


@dataclass(frozen=True)
class HasTag:
    tag: str


#: The dependency a tag condition has: journeys announce a tag change as a change of traits.
TAGS = "tags"


@dataclass(frozen=True)
class AllOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class NotCondition:
    item: Condition


Condition = (
    TraitCompare
    | HasIdentifier
    | EventCount
    | ConsentIs
    | InSegment
    | HasTag
    | AllOf
    | AnyOf
    | NotCondition
)


@dataclass(frozen=True)
class SegmentDefinition:
    name: str
    description: str
    condition: Condition
    source: Mapping[str, Any] = field(default_factory=dict, compare=False)


def _first_error(exc: ValidationError, path: str) -> SegmentError:
    problem = exc.errors(include_url=False, include_input=False, include_context=False)[0]
    where = ".".join([path, *(str(p) for p in problem["loc"])])
    return SegmentError(f"{where}: {problem['msg']}")


_LEAVES: dict[str, type[_Model]] = {
    "trait": TraitCompareModel,
    "identifier": HasIdentifierModel,
    "event": EventCountModel,
    "consent": ConsentIsModel,
    "segment": InSegmentModel,
    "tag": HasTagModel,
}


class _Parser:
    def __init__(self) -> None:
        self.count = 0

    def condition(self, raw: Any, path: str, depth: int) -> Condition:
        self.count += 1
        if self.count > MAX_CONDITIONS:
            raise SegmentError(f"{path}: more than {MAX_CONDITIONS} conditions")
        if depth > MAX_DEPTH:
            raise SegmentError(f"{path}: nested deeper than {MAX_DEPTH}")
        if not isinstance(raw, Mapping):
            raise SegmentError(f"{path}: expected an object")
        for group in ("all", "any"):
            if group in raw:
                if set(raw) != {group}:
                    raise SegmentError(f"{path}: '{group}' stands alone in its object")
                items = raw[group]
                if not isinstance(items, list) or not items:
                    raise SegmentError(f"{path}.{group}: expected a non-empty list")
                parsed = tuple(
                    self.condition(item, f"{path}.{group}[{n}]", depth + 1)
                    for n, item in enumerate(items)
                )
                return AllOf(parsed) if group == "all" else AnyOf(parsed)
        if "not" in raw:
            if set(raw) != {"not"}:
                raise SegmentError(f"{path}: 'not' stands alone in its object")
            return NotCondition(self.condition(raw["not"], f"{path}.not", depth + 1))
        kinds = [k for k in _LEAVES if k in raw]
        if len(kinds) != 1:
            names = ", ".join([*_LEAVES, "all", "any", "not"])
            raise SegmentError(f"{path}: expected exactly one of {names}")
        try:
            model = _LEAVES[kinds[0]].model_validate(raw)
        except ValidationError as exc:
            raise _first_error(exc, path) from None
        return self.leaf(model, path)

    @staticmethod
    def leaf(model: _Model, path: str) -> Condition:
        if isinstance(model, TraitCompareModel):
            needs_value = model.op not in ("exists", "missing")
            if needs_value and model.value is None:
                raise SegmentError(f"{path}.value: required for op '{model.op}'")
            if model.op == "in" and not isinstance(model.value, list):
                raise SegmentError(f"{path}.value: a list for op 'in'")
            return TraitCompare(model.trait, model.op, model.value)
        if isinstance(model, HasIdentifierModel):
            return HasIdentifier(model.identifier)
        if isinstance(model, EventCountModel):
            if model.max_count is not None and model.max_count < model.min_count:
                raise SegmentError(f"{path}.max_count: smaller than min_count")
            return EventCount(model.event, model.min_count, model.max_count, model.within_days)
        if isinstance(model, ConsentIsModel):
            return ConsentIs(model.consent)
        if isinstance(model, HasTagModel):
            return HasTag(model.tag)
        assert isinstance(model, InSegmentModel)
        return InSegment(model.segment)


def parse_condition(raw: Any, path: str) -> Condition:
    """One condition on its own (a journey's branch or trigger filter)."""
    return _Parser().condition(raw, path, 1)


def parse_definition(raw: Any) -> SegmentDefinition:
    if not isinstance(raw, Mapping):
        raise SegmentError("definition: expected an object")
    try:
        head = DefinitionModel.model_validate(raw)
    except ValidationError as exc:
        raise _first_error(exc, "definition") from None
    condition = _Parser().condition(head.condition, "condition", 1)
    return SegmentDefinition(head.name, head.description, condition, dict(raw))


@dataclass(frozen=True)
class TimeInputs:
    """What time alone changes in a condition: event counts over a window of days (event name,
    days), which lose an event when it grows too old, and consent decisions, which expire."""

    windows: frozenset[tuple[str, int]] = frozenset()
    purposes: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Dependencies:
    """What can change a segment's answer for a profile."""

    traits: frozenset[str] = frozenset()
    identifier_types: frozenset[str] = frozenset()
    events: frozenset[str] = frozenset()
    purposes: frozenset[str] = frozenset()
    segments: frozenset[str] = frozenset()
    #: The event counts over a window of days, as (event name, days).
    windows: frozenset[tuple[str, int]] = frozenset()

    @property
    def time(self) -> TimeInputs:
        """What time alone changes: the windows, and every consent purpose (a grant expires)."""
        return TimeInputs(self.windows, self.purposes)

    @property
    def windowed(self) -> bool:
        """Time alone can change the answer: the segment is also refreshed on a schedule."""
        return bool(self.windows or self.purposes)


def dependencies(condition: Condition) -> Dependencies:
    if isinstance(condition, TraitCompare):
        return Dependencies(traits=frozenset({condition.trait}))
    if isinstance(condition, HasIdentifier):
        return Dependencies(identifier_types=frozenset({condition.type}))
    if isinstance(condition, EventCount):
        days = condition.within_days
        windows = frozenset() if days is None else frozenset({(condition.event, days)})
        return Dependencies(events=frozenset({condition.event}), windows=windows)
    if isinstance(condition, ConsentIs):
        return Dependencies(purposes=frozenset({condition.purpose}))
    if isinstance(condition, InSegment):
        return Dependencies(segments=frozenset({condition.segment}))
    if isinstance(condition, HasTag):
        return Dependencies(traits=frozenset({TAGS}))
    parts = [condition.item] if isinstance(condition, NotCondition) else list(condition.items)
    found = [dependencies(p) for p in parts]
    return Dependencies(
        traits=frozenset().union(*(d.traits for d in found)),
        identifier_types=frozenset().union(*(d.identifier_types for d in found)),
        events=frozenset().union(*(d.events for d in found)),
        purposes=frozenset().union(*(d.purposes for d in found)),
        segments=frozenset().union(*(d.segments for d in found)),
        windows=frozenset().union(*(d.windows for d in found)),
    )


def json_schema() -> dict[str, Any]:
    """The published JSON Schema of a definition (docs/segment.schema.json)."""
    schema = DefinitionModel.model_json_schema()
    leaves = {name: model.model_json_schema() for name, model in _LEAVES.items()}
    schema["$defs"] = {
        **schema.get("$defs", {}),
        **{m.__name__: leaves[k] for k, m in _LEAVES.items()},
        "Condition": {
            "oneOf": [
                *({"$ref": f"#/$defs/{m.__name__}"} for m in _LEAVES.values()),
                {
                    "type": "object",
                    "properties": {
                        "all": {"type": "array", "items": {"$ref": "#/$defs/Condition"}}
                    },
                    "required": ["all"],
                    "additionalProperties": False,
                },
                {
                    "type": "object",
                    "properties": {
                        "any": {"type": "array", "items": {"$ref": "#/$defs/Condition"}}
                    },
                    "required": ["any"],
                    "additionalProperties": False,
                },
                {
                    "type": "object",
                    "properties": {"not": {"$ref": "#/$defs/Condition"}},
                    "required": ["not"],
                    "additionalProperties": False,
                },
            ]
        },
    }
    schema["properties"]["condition"] = {"$ref": "#/$defs/Condition"}
    schema["title"] = "Segment definition"
    return schema
