"""Segments without I/O: definitions, their validation, and what each depends on."""

from .definition import (
    AllOf,
    AnyOf,
    Condition,
    ConsentIs,
    EventCount,
    HasIdentifier,
    HasTag,
    InSegment,
    NotCondition,
    SegmentDefinition,
    SegmentError,
    TraitCompare,
    dependencies,
    json_schema,
    parse_condition,
    parse_definition,
)

__all__ = [
    "AllOf",
    "AnyOf",
    "Condition",
    "ConsentIs",
    "EventCount",
    "HasIdentifier",
    "HasTag",
    "InSegment",
    "NotCondition",
    "SegmentDefinition",
    "SegmentError",
    "TraitCompare",
    "dependencies",
    "json_schema",
    "parse_condition",
    "parse_definition",
]
