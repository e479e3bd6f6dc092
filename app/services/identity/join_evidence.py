"""The evidence an operator's join adds between two or more profiles: one `manual_merge` edge
from the first profile's representative to each other's (a manual merge), or one edge between
the two profiles of an accepted suggestion, chosen from the component before the join."""

from __future__ import annotations

from collections.abc import Callable

from app.domain.identity import IdentityRules, Node
from app.ports.components import ComponentSnapshot
from app.ports.identity_rows import EvidenceRow

#: The evidence a merge adds: from the component before it, the representatives of the
#: profiles (in profile id order) and the time.
EvidencePlan = Callable[[ComponentSnapshot, list[str], float], list[EvidenceRow]]


def _ends(a: list[Node], b: list[Node], pair: tuple[str, str] | None) -> tuple[Node, Node] | None:
    """The two values of `pair`, one in each profile, if both are still there."""
    if pair is None:
        return None
    in_a = [n for n in a if n.key in pair]
    in_b = [n for n in b if n.key in pair]
    return (in_a[0], in_b[0]) if len(in_a) == 1 and len(in_b) == 1 else None


def _common(a: list[Node], b: list[Node], rules: IdentityRules) -> tuple[Node, Node] | None:
    """The oldest values of the highest-priority type both profiles hold, if any."""
    common = {n.type for n in a} & {n.type for n in b}
    if not common:
        return None
    kind = min(common, key=rules.priority_key)
    return next(n for n in a if n.type == kind), next(n for n in b if n.type == kind)


def _members(snapshot: ComponentSnapshot, profile: str) -> list[Node]:
    """The identifiers of one profile in a component, oldest first."""
    mine = {k for k, p in snapshot.current.items() if p == profile}
    return sorted((n for n in snapshot.nodes if n.key in mine), key=lambda n: (n.first_seen, n.key))


def evidence_row(
    rules: IdentityRules, a: str, b: str, rule: str, source: str, now: float
) -> EvidenceRow:
    return EvidenceRow(
        a=min(a, b),
        b=max(a, b),
        rule=rule,
        weight=rules.weight_for(rule),
        count=1,
        first=now,
        last=now,
        source=source,
        late=False,
    )


def manual_rows(rules: IdentityRules, by: str) -> EvidencePlan:
    """A manual merge: the first profile's representative to each other's."""

    def rows(before: ComponentSnapshot, keys: list[str], now: float) -> list[EvidenceRow]:
        anchor = keys[0]
        return [
            evidence_row(rules, anchor, k, "manual_merge", f"manual:{by}", now) for k in keys[1:]
        ]

    return rows


def pair_rows(rules: IdentityRules, by: str, pair: tuple[str, str] | None) -> EvidencePlan:
    """An accepted suggestion: the two values of `pair` when both are still there, one in each
    profile, else the oldest values of the highest-priority type both hold (under `alias` when
    of one type and `alias` is a successor rule), else the profiles' highest-priority ones."""

    def rows(before: ComponentSnapshot, keys: list[str], now: float) -> list[EvidenceRow]:
        a, b = (_members(before, before.current[k]) for k in keys)
        ends = _ends(a, b, pair) or _common(a, b, rules)
        source = f"review:{by}"
        if ends is not None:
            x, y = ends
            same = x.type == y.type and "alias" in rules.successor_rules
            return [
                evidence_row(rules, x.key, y.key, "alias" if same else "manual_merge", source, now)
            ]
        first = min(a, key=lambda n: rules.priority_key(n.type)).key
        second = min(b, key=lambda n: rules.priority_key(n.type)).key
        return [evidence_row(rules, first, second, "manual_merge", source, now)]

    return rows
