"""An evidence component as the graph stores it, built from the rows of its loading queries."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from app.domain.identity import Evidence, IdentityRules, Node
from app.ports.components import ComponentSnapshot, LinkInfo, LinkState


def add_node(snapshot: ComponentSnapshot, row: dict[str, Any]) -> None:
    snapshot.nodes.append(
        Node(
            key=row["key"],
            type=row["type"],
            first_seen=float(row["first_seen"]),
            blocked=bool(row["blocked"]),
            generic=bool(row["generic"]),
        )
    )
    snapshot.stored_generic[row["key"]] = bool(row["stored_generic"])
    if row["profile"] is not None:
        snapshot.current[row["key"]] = row["profile"]
        snapshot.profile_created[row["profile"]] = float(row["created_at"])


def add_edges(
    snapshot: ComponentSnapshot, edges: Iterable[dict[str, Any]], rules: IdentityRules
) -> None:
    """Keep the edges whose two ends were loaded (a truncated load drops the rest)."""
    loaded = set(snapshot.keys)
    for edge in edges:
        a, b = edge["a"], edge["b"]
        if a not in loaded or b not in loaded:
            continue
        if edge["kind"] == "NEVER":
            snapshot.never.append((a, b))
            continue
        link = (a, b, edge["rule"])
        snapshot.evidence.append(
            Evidence(
                a=a,
                b=b,
                rule=edge["rule"],
                weight=rules.weight_for(edge["rule"]),
                at=float(edge["at"]),
                count=int(edge["count"]),
                last=float(edge["last_seen"]) if edge["last_seen"] is not None else None,
            )
        )
        snapshot.link_states[link] = LinkState(edge["followed"], edge["refusal"])
        snapshot.link_info[link] = LinkInfo(
            source=edge["source"],
            first_seen=float(edge["at"]),
            last_seen=float(edge["last_seen"]) if edge["last_seen"] is not None else None,
            count=int(edge["count"]),
        )


def parts(snapshot: ComponentSnapshot) -> list[set[str]]:
    """The identifiers of a loaded snapshot in groups joined by any edge it holds (evidence,
    followed or not, and NEVER pairs), each group a component or a union of components."""
    part_of: dict[str, set[str]] = {k: {k} for k in snapshot.keys}
    pairs = [(e.a, e.b) for e in snapshot.evidence] + list(snapshot.never)
    for a, b in pairs:
        pa, pb = part_of[a], part_of[b]
        if pa is not pb:
            small, big = sorted((pa, pb), key=len)
            big |= small
            for k in small:
                part_of[k] = big
    unique = {id(p): p for p in part_of.values()}
    return list(unique.values())


def restricted(snapshot: ComponentSnapshot, keys: set[str]) -> ComponentSnapshot:
    """The part of a snapshot on these identifiers (whole groups of `parts`: no edge leaves
    them)."""
    kept = ComponentSnapshot(truncated=snapshot.truncated)
    kept.nodes = [n for n in snapshot.nodes if n.key in keys]
    kept.evidence = [e for e in snapshot.evidence if e.a in keys]
    kept.link_states = {link: s for link, s in snapshot.link_states.items() if link[0] in keys}
    kept.link_info = {link: i for link, i in snapshot.link_info.items() if link[0] in keys}
    kept.never = [(a, b) for a, b in snapshot.never if a in keys]
    kept.current = {k: p for k, p in snapshot.current.items() if k in keys}
    profiles = set(kept.current.values())
    kept.profile_created = {p: at for p, at in snapshot.profile_created.items() if p in profiles}
    kept.stored_generic = {k: g for k, g in snapshot.stored_generic.items() if k in keys}
    return kept


def joined(a: ComponentSnapshot, b: ComponentSnapshot) -> ComponentSnapshot:
    """Two snapshots with no identifier in common as one."""
    both = ComponentSnapshot(truncated=a.truncated or b.truncated)
    both.nodes = a.nodes + b.nodes
    both.evidence = a.evidence + b.evidence
    both.link_states = a.link_states | b.link_states
    both.link_info = a.link_info | b.link_info
    both.never = a.never + b.never
    both.current = a.current | b.current
    both.profile_created = a.profile_created | b.profile_created
    both.stored_generic = a.stored_generic | b.stored_generic
    return both
