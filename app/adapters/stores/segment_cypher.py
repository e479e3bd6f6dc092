"""Compiled segment conditions as Cypher: one predicate over a profile `p`.

The predicate is assembled from the fixed fragments in cypher/segments/fragments/ (one per kind
of test) joined with AND, OR and NOT. Nothing from a definition is ever written into the text:
each fragment's parameters are renamed per use (`$value` becomes `$c3_value`) and every value
travels as a parameter. The predicate then takes the `__PREDICATE__` place of a template
(cypher/segments/preview, evaluate_many).
"""

from __future__ import annotations

import re
import zoneinfo
from functools import cache
from typing import Any

from app.adapters.cypher import query
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

_PARAM = re.compile(r"\$([a-z_]+)\b")
#: Parameters every predicate shares, bound once per query.
GLOBAL = {"now", "ws", "zones"}
#: Time zone names a profile's `timezone` trait may hold (anything else counts as UTC).
ZONES = sorted(zoneinfo.available_timezones())


@cache
def fragment(name: str) -> str:
    """A fragment of cypher/segments/fragments/ without its comment lines."""
    lines = query(f"segments/fragments/{name}").splitlines()
    return "\n".join(line for line in lines if not line.lstrip().startswith("//"))


def with_predicate(template: str, predicate: str) -> str:
    """A segments/ template with its __PREDICATE__ placeholder replaced by a predicate."""
    assert template.count("__PREDICATE__") == 1
    return template.replace("__PREDICATE__", predicate)


class Rendering:
    """Predicates rendered for one query: their parameters gathered, each use renamed. With
    `collected`, event counts read the profile's events the query collected (`events`:
    segments/evaluate_many) instead of walking them."""

    def __init__(self, ws: str, collected: bool = False) -> None:
        self.ws = ws
        self.params: dict[str, Any] = {}
        self.counter = 0
        self.collected = collected

    def render(self, p: Predicate) -> str:
        if isinstance(p, AllTests | AnyTests):
            joiner = " AND " if isinstance(p, AllTests) else " OR "
            return "(" + joiner.join(self.render(item) for item in p.items) + ")"
        if isinstance(p, NotTest):
            return "(NOT " + self.render(p.item) + ")"
        if isinstance(p, TraitTest):
            return self._use(f"trait_{p.op}", {"prop": f"t_{p.trait}", "value": p.value})
        if isinstance(p, IdentifierTest):
            return self._use("has_identifier", {"type": p.type})
        if isinstance(p, EventTest):
            values = {"name": p.name, "min": p.min_count, "max": p.max_count, "days": p.days}
            self.params["zones"] = ZONES
            return self._use("event_count_collected" if self.collected else "event_count", values)
        if isinstance(p, ConsentTest):
            return self._use("consent", {"purpose": p.purpose, "default": p.default})
        if isinstance(p, TagTest):
            return self._use("has_tag", {"tag": p.tag})
        assert isinstance(p, MemberTest)
        return self._use("in_segment", {"key": f"{self.ws}:{p.segment}"})

    def _use(self, name: str, values: dict[str, Any]) -> str:
        self.counter += 1
        prefix = f"c{self.counter}_"

        def rename(match: re.Match[str]) -> str:
            param = match.group(1)
            return match.group(0) if param in GLOBAL else f"${prefix}{param}"

        for param, value in values.items():
            self.params[prefix + param] = value
        return "(" + _PARAM.sub(rename, fragment(name)) + ")"


def counted_events(p: Predicate) -> set[str]:
    """The names of the events a predicate counts."""
    if isinstance(p, AllTests | AnyTests):
        return set().union(*(counted_events(item) for item in p.items))
    if isinstance(p, NotTest):
        return counted_events(p.item)
    return {p.name} if isinstance(p, EventTest) else set()


def required_event(p: Predicate) -> str | None:
    """The name of an event every profile meeting `p` must have at least once (a test of at
    least one such event that `p` requires whatever else holds), or None."""
    if isinstance(p, EventTest):
        return p.name if p.min_count >= 1 else None
    if isinstance(p, AllTests):
        return next((n for n in map(required_event, p.items) if n is not None), None)
    return None
