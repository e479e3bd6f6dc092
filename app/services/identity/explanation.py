"""Why two identifiers are one person: the strongest evidence chain between them in their
component, described without personal values."""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.identity import Evidence, IdentityRules, explain_path
from app.ports.components import ComponentSnapshot, LinkInfo
from app.services.identity.resolution import plan


@dataclass(frozen=True)
class EvidenceStep:
    """One edge of an explanation, described without personal values."""

    from_key: str
    to_key: str
    from_type: str
    to_type: str
    rule: str
    weight: float
    count: int
    source: str | None
    first_seen: float
    last_seen: float | None


@dataclass(frozen=True)
class Explanation:
    connected: bool
    path: tuple[EvidenceStep, ...]
    profile_a: str | None
    profile_b: str | None


def explanation(snapshot: ComponentSnapshot, rules: IdentityRules, a: str, b: str) -> Explanation:
    """Whether the component's clustering joins keys `a` and `b`, and by which evidence."""
    clustering, _ = plan(snapshot, rules, lambda: "")
    types = {n.key: n.type for n in snapshot.nodes}
    path = explain_path(a, b, clustering)
    steps = tuple(_step(hop, types, snapshot.link_info) for hop in _oriented(path or [], a))
    return Explanation(
        connected=path is not None,
        path=steps,
        profile_a=snapshot.current.get(a),
        profile_b=snapshot.current.get(b),
    )


def _oriented(path: list[Evidence], start: str) -> list[tuple[str, str, Evidence]]:
    out: list[tuple[str, str, Evidence]] = []
    here = start
    for e in path:
        there = e.b if e.a == here else e.a
        out.append((here, there, e))
        here = there
    return out


def _step(
    hop: tuple[str, str, Evidence],
    types: dict[str, str],
    info: dict[tuple[str, str, str], LinkInfo],
) -> EvidenceStep:
    here, there, e = hop
    detail = info.get((e.a, e.b, e.rule))
    return EvidenceStep(
        from_key=here,
        to_key=there,
        from_type=types[here],
        to_type=types[there],
        rule=e.rule,
        weight=e.weight,
        count=e.count,
        source=detail.source if detail else None,
        first_seen=e.at,
        last_seen=detail.last_seen if detail else None,
    )
