"""An evidence component as the graph stores it, built from the rows of its loading queries."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from app.domain.identity import Evidence, IdentityRules, Node


@dataclass(frozen=True)
class LinkState:
    """What the graph currently says about one evidence edge."""

    followed: bool | None
    refusal: str | None


@dataclass(frozen=True)
class LinkInfo:
    """Provenance of one evidence edge, for explanations."""

    source: str | None
    first_seen: float
    last_seen: float | None
    count: int


@dataclass
class ComponentSnapshot:
    """An evidence component as stored: nodes, edges, NEVER pairs and current profiles."""

    nodes: list[Node] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    link_states: dict[tuple[str, str, str], LinkState] = field(default_factory=dict)
    link_info: dict[tuple[str, str, str], LinkInfo] = field(default_factory=dict)
    never: list[tuple[str, str]] = field(default_factory=list)
    current: dict[str, str] = field(default_factory=dict)
    profile_created: dict[str, float] = field(default_factory=dict)
    stored_generic: dict[str, bool] = field(default_factory=dict)
    truncated: bool = False

    @property
    def keys(self) -> list[str]:
        return [n.key for n in self.nodes]


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
            )
        )
        snapshot.link_states[link] = LinkState(edge["followed"], edge["refusal"])
        snapshot.link_info[link] = LinkInfo(
            source=edge["source"],
            first_seen=float(edge["at"]),
            last_seen=float(edge["last_seen"]) if edge["last_seen"] is not None else None,
            count=int(edge["count"]),
        )
