"""How strongly each identifier of a profile is bound to it: the bond that weighs its evidence.

A profile holds together by the evidence edges clustering followed. The bond of a member is
the product of the edge weights along the strongest chain of followed edges from the member to
the profile's anchor (its most important identifier), 1.0 for the anchor itself. A trait seen
on an anonymous id that joined through one co-occurrence (0.6) and one identify call (0.9)
then counts 0.54 of what the same value typed while logged in counts.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass

from app.domain.identity.evidence import Clustering, Evidence, Node
from app.domain.identity.rules import IdentityRules


@dataclass(frozen=True)
class Link:
    """A followed evidence edge between two members: its ends and the rule that made it (its
    weight is the rule's, as clustering weighs it)."""

    a: str
    b: str
    rule: str

    def __post_init__(self) -> None:
        if self.a == self.b:
            raise ValueError(f"link from {self.a!r} to itself")


def anchor(members: Iterable[Node], rules: IdentityRules) -> Node | None:
    """The profile's anchor: its member of the highest-priority type (`rules.type_priority`),
    the oldest of them (first sighting), then the smallest key; blocked and generic members
    only when there is nothing else (clustering leaves them alone in their profile anyway).
    None for no members."""
    return min(
        members,
        key=lambda n: (n.blocked or n.generic, rules.priority_key(n.type), n.first_seen, n.key),
        default=None,
    )


def profile_bonds(
    members: Iterable[Node], links: Iterable[Link], rules: IdentityRules
) -> dict[str, float]:
    """Every member's bond to the anchor of the profile `members` make up.

    Only `links` between two members that are neither blocked nor generic are walked (the
    caller passes the followed edges), each weighing its rule's `rules.link_weights` (the
    strongest of several between one pair counts). The
    best chain is found by Dijkstra over the products (weights are in (0, 1], so a product
    only falls along a path). A member no chain reaches, which clustering never leaves in a
    profile, gets 0.0: nothing ties its evidence to the person.
    """
    nodes = {n.key: n for n in members}
    start = anchor(nodes.values(), rules)
    if start is None:
        return {}
    open_ = {k for k, n in nodes.items() if not (n.blocked or n.generic)}
    adjacent: dict[str, dict[str, float]] = {}
    for link in links:
        if link.a in open_ and link.b in open_:
            for x, y in ((link.a, link.b), (link.b, link.a)):
                near = adjacent.setdefault(x, {})
                near[y] = max(near.get(y, 0.0), rules.weight_for(link.rule))
    best = {start.key: 1.0}
    frontier = [(-1.0, start.key)]
    done: set[str] = set()
    while frontier:
        negative, key = heapq.heappop(frontier)
        if key in done:
            continue
        done.add(key)
        for other, weight in adjacent.get(key, {}).items():
            bond = -negative * weight
            if other not in done and bond > best.get(other, 0.0):
                best[other] = bond
                heapq.heappush(frontier, (-bond, other))
    return {k: best.get(k, 0.0) for k in nodes}


def cluster_bonds(
    clustering: Clustering, nodes: Iterable[Node], rules: IdentityRules
) -> dict[str, float]:
    """The bonds of every clustered identifier, each in its own cluster, from the evidence the
    clustering accepted: what the graph gives once the clustering is written."""
    by_key = {n.key: n for n in nodes}
    links: dict[int, list[Link]] = {}
    for e in clustering.accepted:
        links.setdefault(clustering.cluster_of[e.a], []).append(_link(e))
    found: dict[str, float] = {}
    for index, members in enumerate(clustering.clusters):
        found |= profile_bonds((by_key[k] for k in members), links.get(index, ()), rules)
    return found


def _link(e: Evidence) -> Link:
    return Link(e.a, e.b, e.rule)
