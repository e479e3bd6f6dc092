"""Compile a segment condition into the tests the stores evaluate (app/ports/segment_predicates.py).

Compiling is where a condition is checked against the workspace: trait names against the trait
schema (plain fields only, values coerced to the stored form), identifier types and purposes
against their own rules (a purpose resolved, with its default). Event windows become whole days.
"""

from __future__ import annotations

import math
from typing import Any

from app.domain.consent import ConsentError, ConsentPolicy
from app.domain.identity import IdentifierError, validate_type
from app.domain.segments import (
    AllOf,
    AnyOf,
    Condition,
    ConsentIs,
    EventCount,
    HasIdentifier,
    HasTag,
    InSegment,
    NotCondition,
    SegmentError,
    TraitCompare,
)
from app.domain.traits import TraitError, TraitSchema, coerce
from app.ports.segment_predicates import (
    AllTests,
    AnyTests,
    ConsentTest,
    EventTest,
    IdentifierTest,
    MemberTest,
    NotTest,
    Predicate,
    TagTest,
    TraitTest,
)
from app.services.profiles.traits import property_value


class Compiler:
    def __init__(
        self, schema: TraitSchema, policy: ConsentPolicy, purpose_defaults: dict[str, bool]
    ) -> None:
        self.schema = schema
        self.policy = policy
        self.purpose_defaults = purpose_defaults

    def compile(self, c: Condition, path: str = "condition") -> Predicate:
        """The condition's tests; a SegmentError names the part that cannot be compiled."""
        if isinstance(c, AllOf | AnyOf):
            group = "all" if isinstance(c, AllOf) else "any"
            items = tuple(
                self.compile(item, f"{path}.{group}[{n}]") for n, item in enumerate(c.items)
            )
            return AllTests(items) if isinstance(c, AllOf) else AnyTests(items)
        if isinstance(c, NotCondition):
            return NotTest(self.compile(c.item, f"{path}.not"))
        if isinstance(c, TraitCompare):
            return self._trait(c, path)
        if isinstance(c, HasIdentifier):
            try:
                validate_type(c.type)
            except IdentifierError as exc:
                raise SegmentError(f"{path}.identifier: {exc}") from None
            return IdentifierTest(c.type)
        if isinstance(c, EventCount):
            days = None if c.within_days is None else max(1, math.ceil(c.within_days))
            return EventTest(c.event, c.min_count, c.max_count, days)
        if isinstance(c, ConsentIs):
            try:
                purpose = self.policy.resolve(c.purpose)
            except ConsentError as exc:
                raise SegmentError(f"{path}.consent: {exc}") from None
            default = self.purpose_defaults.get(purpose, self.policy.default_for(purpose))
            return ConsentTest(purpose, default)
        if isinstance(c, HasTag):
            return TagTest(c.tag)
        assert isinstance(c, InSegment)
        return MemberTest(c.segment)

    def _trait(self, c: TraitCompare, path: str) -> TraitTest:
        field_ = self.schema.classify(c.trait)
        if field_ is None or field_.pii != "plain":
            raise SegmentError(
                f"{path}.trait: {c.trait[:40]!r} is not a plain trait (only plain traits are "
                "stored in clear on the profile and can be queried)"
            )
        value: Any = None
        if c.op not in ("exists", "missing"):
            try:
                if c.op == "in":
                    value = [property_value(coerce(field_, v)) for v in c.value]
                elif c.op == "contains":
                    value = c.value
                else:
                    value = property_value(coerce(field_, c.value))
            except TraitError as exc:
                raise SegmentError(f"{path}.value: {exc}") from None
        return TraitTest(field_.name, c.op, value)
