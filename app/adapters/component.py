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
