"""Compile a segment condition into one Cypher predicate over a profile `p`.

The predicate is assembled from the fixed fragments in cypher/segments/fragments/ (one per
kind of condition) joined with AND, OR and NOT. Nothing from the definition is ever written
into the text: each fragment's parameters are renamed per condition (`$value` becomes
`$c3_value`) and every value travels as a parameter. Trait names are checked against the trait
schema (plain fields only), identifier types and purposes against their own rules.
"""

from __future__ import annotations

import math
import re
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

from app.adapters.cypher import query
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
from app.services.profiles.traits import property_value

_PARAM = re.compile(r"\$([a-z_]+)\b")
#: Parameters every compiled predicate shares, bound at evaluation time.
GLOBAL = {"now", "ws"}
#: Time zone names a profile's `timezone` trait may hold (anything else counts as UTC).
ZONES = sorted(zoneinfo.available_timezones())


def fragment(name: str) -> str:
    lines = query(f"segments/fragments/{name}").splitlines()
    return "\n".join(line for line in lines if not line.lstrip().startswith("//"))


@dataclass
class Compiled:
    predicate: str
    params: dict[str, Any] = field(default_factory=dict)

    def bind(self, now: float) -> dict[str, Any]:
        """The parameters, with the time of evaluation."""
        return {**self.params, "now": now}


class Compiler:
    def __init__(
        self,
        schema: TraitSchema,
        policy: ConsentPolicy,
        purpose_defaults: dict[str, bool],
        ws: str,
    ) -> None:
        self.schema = schema
        self.policy = policy
        self.purpose_defaults = purpose_defaults
        self.ws = ws
        self.counter = 0

    def compile(self, condition: Condition, path: str = "condition") -> Compiled:
        out = Compiled("")
        out.predicate = self._node(condition, path, out)
        return out

    def _use(self, name: str, values: dict[str, Any], out: Compiled) -> str:
        self.counter += 1
        prefix = f"c{self.counter}_"
        text = fragment(name)

        def rename(match: re.Match[str]) -> str:
            param = match.group(1)
            return match.group(0) if param in GLOBAL else f"${prefix}{param}"

        for param, value in values.items():
            out.params[prefix + param] = value
        return "(" + _PARAM.sub(rename, text) + ")"

    def _node(self, c: Condition, path: str, out: Compiled) -> str:
        if isinstance(c, AllOf | AnyOf):
            joiner = " AND " if isinstance(c, AllOf) else " OR "
            group = "all" if isinstance(c, AllOf) else "any"
            parts = [
                self._node(item, f"{path}.{group}[{n}]", out) for n, item in enumerate(c.items)
            ]
            return "(" + joiner.join(parts) + ")"
        if isinstance(c, NotCondition):
            return "(NOT " + self._node(c.item, f"{path}.not", out) + ")"
        if isinstance(c, TraitCompare):
            return self._trait(c, path, out)
        if isinstance(c, HasIdentifier):
            try:
                validate_type(c.type)
            except IdentifierError as exc:
                raise SegmentError(f"{path}.identifier: {exc}") from None
            return self._use("has_identifier", {"type": c.type}, out)
        if isinstance(c, EventCount):
            days = None if c.within_days is None else max(1, math.ceil(c.within_days))
            return self._use(
                "event_count",
                {
                    "name": c.event,
                    "min": c.min_count,
                    "max": c.max_count,
                    "days": days,
                    "zones": ZONES,
                },
                out,
            )
        if isinstance(c, ConsentIs):
            try:
                purpose = self.policy.resolve(c.purpose)
            except ConsentError as exc:
                raise SegmentError(f"{path}.consent: {exc}") from None
            default = self.purpose_defaults.get(purpose, self.policy.default_for(purpose))
            return self._use("consent", {"purpose": purpose, "default": default}, out)
        if isinstance(c, HasTag):
            return self._use("has_tag", {"tag": c.tag}, out)
        assert isinstance(c, InSegment)
        return self._use("in_segment", {"key": f"{self.ws}:{c.segment}"}, out)

    def _trait(self, c: TraitCompare, path: str, out: Compiled) -> str:
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
        return self._use(f"trait_{c.op}", {"prop": f"t_{field_.name}", "value": value}, out)


def with_predicate(template: str, predicate: str) -> str:
    """A segments/ template with its __PREDICATE__ placeholder replaced by a compiled one."""
    assert template.count("__PREDICATE__") == 1
    return template.replace("__PREDICATE__", predicate)
