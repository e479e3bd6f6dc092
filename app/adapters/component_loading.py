"""Two ways to find an evidence component: a breadth-first loop, or one Cypher traversal.

Both return the same `ComponentSnapshot` for the same seeds and graph (docs/identity.md, "How a
component is found"): the identifiers reached over LINKED and NEVER edges from the seeds, not
walked through when blocked or generic (computed here, not the stored flag); the peers (same
profile) of an identifier turning generic; at most `max_nodes` identifiers, cut in
breadth-first order; every edge between the identifiers loaded.
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterable, Mapping
from types import MappingProxyType
from typing import Any, Literal, Protocol

from app.adapters.component import add_edges, add_node
from app.domain.identity import IdentityRules
from app.ports.components import ComponentSnapshot

#: How `IdentityTx.load_component` finds a component (setting `CDP_COMPONENT_TRAVERSAL`).
Traversal = Literal["breadth_first", "cypher"]
EdgeKey = tuple[str, str, str, str]


class Rows(Protocol):
    """A named query of the caller's transaction, returning its rows."""

    def __call__(self, name: str, /, **params: Any) -> Awaitable[list[dict[str, Any]]]: ...


class Loader(Protocol):
    def __call__(
        self, rows: Rows, seeds: Iterable[str], rules: IdentityRules, max_nodes: int
    ) -> Awaitable[ComponentSnapshot]: ...


def _edge_key(edge: Mapping[str, Any]) -> EdgeKey:
    return (edge["a"], edge["b"], edge["kind"], edge["rule"] or "")


def generic_parameters(rules: IdentityRules) -> dict[str, Any]:
    """What the queries need to tell a generic identifier: more than `max_degree` neighbours
    of types other than the session types `uncounted`, or, for a type in `contended`, more
    than `max_rivals` other values of its type sharing its session identifiers."""
    return {
        "max_degree": rules.generic_degree,
        "uncounted": sorted(rules.session_types),
        "contended": sorted(rules.contended_types),
        "max_rivals": rules.generic_rivals,
    }


def _closed(row: Mapping[str, Any]) -> bool:
    """Loaded but not walked through: generic (as computed now) or blocked."""
    return bool(row["generic"] or row["blocked"])


def _turning_generic(row: Mapping[str, Any]) -> bool:
    return bool(row["generic"] and not row["stored_generic"])


async def breadth_first(
    rows: Rows, seeds: Iterable[str], rules: IdentityRules, max_nodes: int
) -> ComponentSnapshot:
    """Breadth-first over evidence from the seeds, not through generic identifiers.

    Each round is one query returning the frontier's nodes, profiles and edges, so a
    component costs as many round trips as its depth.
    """
    snapshot = ComponentSnapshot()
    seen: set[str] = set()
    edges: dict[EdgeKey, dict[str, Any]] = {}
    closed: list[str] = []
    frontier = sorted(set(seeds))
    while frontier:
        found = await rows("identity/expand_component", keys=frontier, **generic_parameters(rules))
        seen.update(frontier)
        next_frontier: set[str] = set()
        turning_generic: list[str] = []
        for row in found[0]["rows"]:
            add_node(snapshot, row)
            for edge in row["edges"]:
                edge["a"] = row["key"]
                edges[_edge_key(edge)] = edge
            next_frontier.update(k for k in row["neighbours"] if k not in seen)
            if _closed(row):
                closed.append(row["key"])
            if _turning_generic(row):
                turning_generic.append(row["key"])
        if turning_generic:
            # Its links stop counting: everyone who shared its profile is recomputed.
            peers = await rows("identity/profile_peers", keys=turning_generic)
            next_frontier.update(r["key"] for r in peers if r["key"] not in seen)
        if len(seen) + len(next_frontier) > max_nodes:
            snapshot.truncated = True
            next_frontier = set(sorted(next_frontier)[: max(0, max_nodes - len(seen))])
        frontier = sorted(next_frontier)
    await _edges_of_closed(rows, snapshot, closed, edges)
    add_edges(snapshot, edges.values(), rules)
    return snapshot


async def _edges_of_closed(
    rows: Rows, snapshot: ComponentSnapshot, closed: list[str], edges: dict[EdgeKey, Any]
) -> None:
    """Add the edges of closed identifiers (not listed with them) reaching what was loaded."""
    if closed:
        for row in await rows("identity/edges_into", keys=closed, loaded=snapshot.keys):
            edges[_edge_key(row["edge"])] = row["edge"]


async def cypher_traversal(
    rows: Rows, seeds: Iterable[str], rules: IdentityRules, max_nodes: int
) -> ComponentSnapshot:
    """The component in one traversal query (cypher/identity/traverse_component.cypher).

    Two cases take more: identifiers turning generic pull in their profile's peers, found by
    one more traversal from those peers (then the closed identifiers' edges are read at the
    end, as the loop does); and a component over `max_nodes` is loaded again by
    `breadth_first`, whose frontier order decides which identifiers are kept.
    """
    start = sorted(set(seeds))
    found: dict[str, dict[str, Any]] = {}
    pending: dict[str, int] = dict.fromkeys(start, 0)
    rounds = 0
    while pending:
        batch = [{"key": k, "depth": d} for k, d in sorted(pending.items())]
        result = await rows(
            "identity/traverse_component",
            seeds=batch,
            **generic_parameters(rules),
            rows=(max_nodes + 1) * len(batch),
        )
        rounds += 1
        new = [r for r in result[0]["rows"] if r["key"] not in found]
        found.update((r["key"], r) for r in new)
        if len(found.keys() | set(start)) > max_nodes:
            return await breadth_first(rows, start, rules, max_nodes)
        pending = {}
        for row in filter(_turning_generic, new):
            for peer in row["peers"]:
                if peer not in found:
                    pending[peer] = min(pending.get(peer, row["depth"] + 1), row["depth"] + 1)
    return await _snapshot(rows, found.values(), rules, rounds)


async def _snapshot(
    rows: Rows, found: Iterable[dict[str, Any]], rules: IdentityRules, rounds: int
) -> ComponentSnapshot:
    """The snapshot of the traversal's rows, in breadth-first order (depth, then key)."""
    snapshot = ComponentSnapshot()
    edges: dict[EdgeKey, dict[str, Any]] = {}
    ordered = sorted(found, key=lambda r: (r["depth"], r["key"]))
    for row in ordered:
        add_node(snapshot, row)
        edges.update((_edge_key(e), e) for e in row["edges"])
    if rounds > 1:
        # A closed identifier's edges came only to what its own round found.
        await _edges_of_closed(rows, snapshot, [r["key"] for r in ordered if _closed(r)], edges)
    add_edges(snapshot, edges.values(), rules)
    return snapshot


LOADERS: Mapping[Traversal, Loader] = MappingProxyType(
    {"breadth_first": breadth_first, "cypher": cypher_traversal}
)
