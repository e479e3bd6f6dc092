"""Trait observations, evidence and links as the trait queries return them (cypher/traits/):
parsed once here for the identity transaction and the profile store."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from app.domain.identity import Link, Node
from app.domain.traits import Observation
from app.ports.profiles import TraitEvidence


def observation_from_row(row: Mapping[str, Any], identifier: str | None = None) -> Observation:
    """An observation as `traits/profile_observations` returns it (plain values as JSON), or
    `traits/profile_evidence` with its `identifier` given apart."""
    value = orjson.loads(row["value"]) if row["value"] is not None else None
    return Observation(
        field=row["field"],
        value_id=row["vid"],
        value=value,
        source=row["source"],
        at=float(row["at"]),
        confidence=float(row["confidence"]),
        count=int(row["count"]),
        first_at=float(row["first_at"]),
        identifier=row["identifier"] if identifier is None else identifier,
        observation_id=row["key"],
        event_id=row["event"] or "",
    )


def evidence_by_profile(members: Sequence[Mapping[str, Any]]) -> dict[str, TraitEvidence]:
    """The evidence of each profile as `traits/profile_evidence` returns its identifiers (one
    row each, with its observations); profiles without observations left out. Their links
    come apart (`links_by_profile`)."""
    found: dict[str, tuple[list[Observation], list[Node]]] = {}
    for row in members:
        observations, nodes = found.setdefault(row["profile"], ([], []))
        key = row["key"]
        observations += (observation_from_row(o, identifier=key) for o in row["observations"])
        nodes.append(
            Node(
                key,
                row["type"],
                float(row["first_seen"]),
                blocked=bool(row["blocked"]),
                generic=bool(row["generic"]),
            )
        )
    return {
        pid: TraitEvidence(tuple(observations), tuple(nodes))
        for pid, (observations, nodes) in found.items()
    }


def links_by_profile(rows: Sequence[Mapping[str, Any]]) -> dict[str, tuple[Link, ...]]:
    """The followed edges of each profile as `traits/profile_links` returns them."""
    found: dict[str, list[Link]] = {}
    for row in rows:
        found.setdefault(row["profile"], []).append(Link(row["a"], row["b"], row["rule"]))
    return {pid: tuple(links) for pid, links in found.items()}
