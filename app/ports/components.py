"""An evidence component as a transaction loaded it: its identifiers, evidence edges with their
state and provenance, NEVER pairs and current profiles."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.domain.identity import Evidence, Node


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
