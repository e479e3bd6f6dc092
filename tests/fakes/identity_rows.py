"""The rows of the component-loading queries, computed over the in-memory graph as
cypher/identity/expand_component, profile_peers and edges_into compute them, so that the
platform's own loader (app/adapters/component_loading.py) walks the fake as it walks Neo4j."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.ports.identity_rows import SuccessionRow
from tests.fakes.identity_state import IdentityState, StoredIdentifier


def degree(state: IdentityState, key: str, uncounted: Sequence[str]) -> int:
    """Its unblocked neighbours of types other than the session types."""
    return sum(
        1
        for j in state.neighbours(key)
        if not state.identifiers[j].blocked and state.identifiers[j].type not in uncounted
    )


def rivalry(state: IdentityState, i: StoredIdentifier, uncounted: Sequence[str]) -> tuple[int, int]:
    """Its session identifiers shared with other values of its type, and those values."""
    sessions: set[str] = set()
    rivals: set[str] = set()
    for x in state.neighbours(i.key):
        shared = state.identifiers[x]
        if shared.type not in uncounted or shared.blocked:
            continue
        others = {
            u
            for u in state.neighbours(x)
            if u != i.key
            and state.identifiers[u].type == i.type
            and not state.identifiers[u].blocked
        }
        if others:
            sessions.add(x)
            rivals |= others
    return len(sessions), len(rivals)


def computed_generic(
    state: IdentityState,
    i: StoredIdentifier,
    max_degree: int,
    uncounted: Sequence[str],
    contended: Sequence[str],
    max_rivals: int,
) -> bool:
    """Generic as the query tells it now: more than `max_degree` unblocked neighbours of
    counted types; or, for a contended type already flagged, more than `max_rivals` other
    values of its type reached through more than `max_rivals` session identifiers."""
    if degree(state, i.key, uncounted) > max_degree:
        return True
    if i.type not in contended or not i.generic:
        return False
    if sum(1 for _ in state.linked(i.key)) <= max_rivals:
        return False
    shared, rivals = rivalry(state, i, uncounted)
    return shared > max_rivals and rivals > max_rivals


def _edge(kind: str, b: str, rule: str | None, props: dict[str, Any]) -> dict[str, Any]:
    return {
        "b": b,
        "kind": kind,
        "rule": rule,
        "at": props.get("first_seen"),
        "count": props.get("count"),
        "followed": props.get("followed"),
        "refusal": props.get("refusal"),
        "source": props.get("source"),
        "last_seen": props.get("last_seen"),
    }


def outgoing_edges(state: IdentityState, key: str) -> list[dict[str, Any]]:
    """The LINKED and NEVER edges stored from `key` (each edge once, from its smaller key)."""
    edges = [
        _edge("LINKED", b, rule, vars(link))
        for (a, b, rule), link in state.links.items()
        if a == key
    ]
    edges += [_edge("NEVER", b, None, {}) for (a, b) in state.never if a == key]
    return edges


def expand_component(
    state: IdentityState,
    keys: Sequence[str],
    max_degree: int,
    uncounted: Sequence[str],
    contended: Sequence[str],
    max_rivals: int,
) -> list[dict[str, Any]]:
    rows = []
    for k in keys:
        i = state.identifiers.get(k)
        if i is None:
            continue
        profile = state.profiles.get(i.profile) if i.profile else None
        generic = computed_generic(state, i, max_degree, uncounted, contended, max_rivals)
        closed = generic or i.blocked
        neighbours = state.neighbours(k) | {b if a == k else a for a, b, _ in state.never_of(k)}
        rows.append(
            {
                "key": k,
                "type": i.type,
                "first_seen": i.first_seen,
                "blocked": i.blocked,
                "stored_generic": i.generic,
                "generic": generic,
                "profile": profile.id if profile else None,
                "created_at": profile.created_at if profile else None,
                "neighbours": [] if closed else sorted(neighbours),
                "edges": [] if closed else outgoing_edges(state, k),
            }
        )
    return [{"rows": rows}]


def profile_peers(state: IdentityState, keys: Sequence[str]) -> list[dict[str, Any]]:
    peers: set[str] = set()
    for k in keys:
        profile = state.profile_of_key(k)
        if profile is not None:
            peers |= state.members(profile) - {k}
    return [{"key": p} for p in sorted(peers)]


def edges_into(
    state: IdentityState, keys: Sequence[str], loaded: Sequence[str]
) -> list[dict[str, Any]]:
    wanted = set(loaded)
    rows = []
    for k in keys:
        for a, b, rule, link in state.linked(k):
            if (b if a == k else a) in wanted:
                rows.append({"edge": {**_edge("LINKED", b, rule, vars(link)), "a": a}})
        for a, b, _ in state.never_of(k):
            if (b if a == k else a) in wanted:
                rows.append({"edge": {**_edge("NEVER", b, None, {}), "a": a}})
    return rows


def successions_of(
    state: IdentityState, ws: str, keys: Sequence[str], rules: Sequence[str]
) -> list[SuccessionRow]:
    """As cypher/identity/successions_of: the stored anonymous ids among `keys` and their
    evidence under a successor rule with user ids."""
    found: list[SuccessionRow] = []
    for key in keys:
        i = state.identifiers.get(key)
        if i is None or i.ws != ws or i.type != "anonymous_id":
            continue
        for a, b, rule, link in state.linked(key):
            other = state.identifiers[b if a == key else a]
            if rule in rules and other.type == "user_id":
                found.append(
                    SuccessionRow(
                        previous=key,
                        successor=other.key,
                        rule=rule,
                        first=link.first_seen,
                        last=link.last_seen,
                        source=link.source,
                    )
                )
    return sorted(found, key=lambda r: (r["previous"], r["successor"], r["rule"]))
