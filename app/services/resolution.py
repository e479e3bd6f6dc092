"""Recompute the clusters of an evidence component and write the difference.

The one routine behind ingestion, unlink, block, manual merge and re-resolution: load the
component the seeds belong to, cluster it with the pure rules, give each cluster a profile id,
and write only what changed (OF edges, new or merged profiles, edge states).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from app.adapters.identity_graph import ComponentSnapshot, IdentityTx, LinkState
from app.domain.identity import (
    Assignment,
    Clustering,
    Evidence,
    IdentityRules,
    Merge,
    Node,
    Refusal,
    Split,
    aggregate,
    assign,
    cluster,
)

#: Upper bound on the identifiers loaded to recompute one component (see docs/identity.md).
MAX_COMPONENT_NODES = 5000


def new_profile_id() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True)
class ReclusterOutcome:
    """What one recomputation decided, for callers and for tests."""

    profile_of: dict[str, str]
    merges: tuple[Merge, ...] = ()
    splits: tuple[Split, ...] = ()
    created: tuple[str, ...] = ()
    new_conflicts: tuple[Refusal, ...] = ()
    truncated: bool = False
    changed_profiles: frozenset[str] = field(default_factory=frozenset)


def plan(
    snapshot: ComponentSnapshot,
    rules: IdentityRules,
    new_id: Callable[[], str] = new_profile_id,
) -> tuple[Clustering, Assignment]:
    """The pure part: cluster the stored evidence and assign profile ids."""
    clustering = cluster(snapshot.nodes, aggregate(snapshot.evidence), snapshot.never, rules)
    rank = {n.key: rules.priority_key(n.type) for n in snapshot.nodes}
    assignment = assign(
        clustering.clusters, snapshot.current, snapshot.profile_created, new_id, rank
    )
    return clustering, assignment


def _link_rows(
    snapshot: ComponentSnapshot, clustering: Clustering
) -> tuple[list[dict[str, object]], list[Refusal]]:
    accepted = {(e.a, e.b, e.rule) for e in clustering.accepted}
    refusals = {(r.a, r.b, r.rule): r for r in clustering.refused}
    rows: list[dict[str, object]] = []
    new_conflicts: list[Refusal] = []
    for key, stored in snapshot.link_states.items():
        refusal = refusals.get(key)
        state = LinkState(key in accepted, refusal.reason if refusal else None)
        if state != stored:
            a, b, rule = key
            rows.append(
                {"a": a, "b": b, "rule": rule, "followed": state.followed, "refusal": state.refusal}
            )
            if refusal is not None and stored.refusal != refusal.reason:
                new_conflicts.append(refusal)
    return rows, new_conflicts


async def recluster(
    tx: IdentityTx,
    seeds: Iterable[str],
    rules: IdentityRules,
    at: float,
    reason: str,
    new_id: Callable[[], str] = new_profile_id,
    *,
    known: ComponentSnapshot | None = None,
) -> ReclusterOutcome:
    """Recompute the seeds' component inside the caller's (locked) transaction.

    `known` is a component the caller already holds in full (identifiers created by this very
    transaction, with all their evidence): it is used as is instead of being read back.
    """
    snapshot = known or await tx.load_component(seeds, rules, MAX_COMPONENT_NODES)
    if not snapshot.nodes:
        return ReclusterOutcome(profile_of={})
    clustering, assignment = plan(snapshot, rules, new_id)

    link_rows, new_conflicts = _link_rows(snapshot, clustering)
    await tx.set_link_states(link_rows, at)
    await tx.set_generic(
        [
            {"key": n.key, "generic": n.key in clustering.generic}
            for n in snapshot.nodes
            if snapshot.stored_generic.get(n.key, False) != (n.key in clustering.generic)
        ]
    )
    await tx.create_profiles(assignment.created, at)
    await tx.move_identifiers(
        [{"key": k, "profile": p} for k, p in sorted(assignment.moves.items())]
    )
    await tx.merge_profiles(
        [{"from_id": m.from_id, "into_id": m.into_id, "reason": reason} for m in assignment.merges],
        at,
    )
    await tx.record_splits(
        [{"from_id": s.from_id, "new_id": s.new_id, "reason": reason} for s in assignment.splits],
        at,
    )
    changed = set(assignment.moves.values()) | {m.into_id for m in assignment.merges}
    # A merged profile changed too: it has no identifiers left, so its record empties.
    changed |= {m.from_id for m in assignment.merges}
    changed |= {s.from_id for s in assignment.splits}
    await tx.touch_profiles(sorted(changed - set(assignment.created)), at)

    profile_of = {
        key: assignment.profile_of_cluster[index] for key, index in clustering.cluster_of.items()
    }
    return ReclusterOutcome(
        profile_of=profile_of,
        merges=assignment.merges,
        splits=assignment.splits,
        created=assignment.created,
        new_conflicts=tuple(new_conflicts),
        truncated=snapshot.truncated,
        changed_profiles=frozenset(changed),
    )


def combine(first: ReclusterOutcome, second: ReclusterOutcome) -> ReclusterOutcome:
    """Two recomputations of disjoint components as one outcome."""
    return ReclusterOutcome(
        profile_of={**first.profile_of, **second.profile_of},
        merges=first.merges + second.merges,
        splits=first.splits + second.splits,
        created=first.created + second.created,
        new_conflicts=first.new_conflicts + second.new_conflicts,
        truncated=first.truncated or second.truncated,
        changed_profiles=first.changed_profiles | second.changed_profiles,
    )


def new_components(
    created: set[str],
    nodes: Mapping[str, Node],
    evidence: Iterable[Evidence],
) -> ComponentSnapshot:
    """The components made only of identifiers this transaction created, held in full.

    Such an identifier has no evidence but this batch's, no NEVER edge, no profile and is not
    blocked, so its component is exactly what the batch says: no need to read it back.
    """
    rows = list(evidence)
    adjacency: dict[str, set[str]] = {k: set() for k in created}
    for e in rows:
        adjacency.setdefault(e.a, set()).add(e.b)
        adjacency.setdefault(e.b, set()).add(e.a)
    inside: set[str] = set()
    seen: set[str] = set()
    for start in sorted(created):
        if start in seen:
            continue
        component, frontier = {start}, [start]
        while frontier:
            for other in adjacency.get(frontier.pop(), ()):
                if other not in component:
                    component.add(other)
                    frontier.append(other)
        seen |= component
        if component <= created:
            inside |= component
    snapshot = ComponentSnapshot()
    snapshot.nodes = [nodes[k] for k in sorted(inside)]
    snapshot.stored_generic = {k: False for k in inside}
    for e in rows:
        if e.a in inside:
            snapshot.evidence.append(e)
            snapshot.link_states[(e.a, e.b, e.rule)] = LinkState(False, None)
    return snapshot
