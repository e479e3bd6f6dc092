"""Recompute the clusters of an evidence component and write the difference.

The one routine behind ingestion, unlink, block, manual merge and re-resolution: load the
component the seeds belong to, cluster it with the pure rules, give each cluster a profile id,
and write only what changed (OF edges, new or merged profiles, edge states).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

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
from app.ports.components import ComponentSnapshot, LinkState
from app.ports.identity import IdentityTx
from app.ports.identity_rows import GenericRow, LinkStateRow, MergeRow, MoveRow, SplitRow

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
    #: Profiles whose followed evidence changed, so the bonds of their identifiers may have,
    #: whether or not an identifier moved.
    relinked: frozenset[str] = field(default_factory=frozenset)
    #: Changed profiles whose only change is identifiers seen for the first time joining them
    #: (a returning visitor's new session), with those identifiers' types: no stored event,
    #: consent or observation came with them, only this batch's, which are announced apart.
    joined: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @property
    def redecide(self) -> frozenset[str]:
        """The profiles whose golden records must be decided again: every changed profile
        and every relinked one."""
        return self.changed_profiles | self.relinked


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
) -> tuple[list[LinkStateRow], list[Refusal]]:
    accepted = {(e.a, e.b, e.rule) for e in clustering.accepted}
    refusals = {(r.a, r.b, r.rule): r for r in clustering.refused}
    rows: list[LinkStateRow] = []
    new_conflicts: list[Refusal] = []
    for key, stored in snapshot.link_states.items():
        refusal = refusals.get(key)
        followed = key in accepted
        state = LinkState(followed, refusal.reason if refusal else None)
        if state != stored:
            a, b, rule = key
            rows.append(LinkStateRow(a=a, b=b, rule=rule, followed=followed, refusal=state.refusal))
            if refusal is not None and stored.refusal != refusal.reason:
                new_conflicts.append(refusal)
    return rows, new_conflicts


@dataclass(frozen=True)
class Decision:
    """A component's recomputation, decided and not yet written."""

    snapshot: ComponentSnapshot
    clustering: Clustering
    assignment: Assignment
    #: evidence edges whose state changes: a, b, rule, followed, refusal
    link_rows: list[LinkStateRow]
    new_conflicts: tuple[Refusal, ...]

    @property
    def generic_rows(self) -> list[GenericRow]:
        generic, stored = self.clustering.generic, self.snapshot.stored_generic
        return [
            GenericRow(key=n.key, generic=n.key in generic)
            for n in self.snapshot.nodes
            if stored.get(n.key, False) != (n.key in generic)
        ]

    @property
    def changed_profiles(self) -> set[str]:
        a = self.assignment
        changed = set(a.moves.values()) | {m.into_id for m in a.merges}
        # A merged profile changed too: it has no identifiers left, so its record empties.
        changed |= {m.from_id for m in a.merges}
        changed |= {s.from_id for s in a.splits}
        # So did a profile an identifier left (for another profile, without a split).
        return changed | self.left

    @property
    def left(self) -> set[str]:
        """The profiles an identifier moved out of."""
        current = self.snapshot.current
        return {current[k] for k in self.assignment.moves if k in current}

    @property
    def joined(self) -> dict[str, frozenset[str]]:
        """The changed profiles that only gained identifiers stored by this transaction (an
        identifier stored before has a profile: one without had none), with their types."""
        a, current = self.assignment, self.snapshot.current
        incoming: dict[str, set[str]] = {}
        for key, profile in a.moves.items():
            incoming.setdefault(profile, set()).add(key)
        otherwise = {p for m in a.merges for p in (m.from_id, m.into_id)}
        otherwise |= {s.from_id for s in a.splits} | set(a.created) | self.left
        types = {n.key: n.type for n in self.snapshot.nodes}
        return {
            profile: frozenset(types[k] for k in keys)
            for profile, keys in incoming.items()
            if profile not in otherwise and not any(k in current for k in keys)
        }

    @property
    def relinked(self) -> set[str]:
        """The profiles an edge now followed, or no longer followed, belongs to."""
        stored = self.snapshot.link_states
        profile_of = self.assignment.profile_of_cluster
        where = self.clustering.cluster_of
        ends = {
            end
            for row in self.link_rows
            if stored[(row["a"], row["b"], row["rule"])].followed != row["followed"]
            for end in (row["a"], row["b"])
        }
        return {profile_of[where[k]] for k in ends if k in where}

    def outcome(self) -> ReclusterOutcome:
        a = self.assignment
        return ReclusterOutcome(
            profile_of={
                key: a.profile_of_cluster[index]
                for key, index in self.clustering.cluster_of.items()
            },
            merges=a.merges,
            splits=a.splits,
            created=a.created,
            new_conflicts=self.new_conflicts,
            truncated=self.snapshot.truncated,
            changed_profiles=frozenset(self.changed_profiles),
            relinked=frozenset(self.relinked),
            joined=self.joined,
        )


def decide(
    snapshot: ComponentSnapshot,
    rules: IdentityRules,
    new_id: Callable[[], str] = new_profile_id,
) -> Decision:
    """Cluster a loaded (or fully known) component and say what must change in the graph."""
    clustering, assignment = plan(snapshot, rules, new_id)
    link_rows, new_conflicts = _link_rows(snapshot, clustering)
    return Decision(snapshot, clustering, assignment, link_rows, tuple(new_conflicts))


async def write_decision(tx: IdentityTx, decision: Decision, at: float, reason: str) -> None:
    """Write what a decision changes: edge states, generic flags, profiles and OF edges."""
    a = decision.assignment
    await tx.set_link_states(decision.link_rows, at)
    await tx.set_generic(decision.generic_rows)
    await tx.create_profiles(a.created, at)
    await tx.move_identifiers([MoveRow(key=k, profile=p) for k, p in sorted(a.moves.items())])
    await tx.merge_profiles(
        [MergeRow(from_id=m.from_id, into_id=m.into_id, reason=reason) for m in a.merges], at
    )
    await tx.record_splits(
        [SplitRow(from_id=s.from_id, new_id=s.new_id, reason=reason) for s in a.splits], at
    )
    await tx.touch_profiles(sorted(decision.changed_profiles - set(a.created)), at)


async def recluster(
    tx: IdentityTx,
    seeds: Iterable[str],
    rules: IdentityRules,
    at: float,
    reason: str,
    new_id: Callable[[], str] = new_profile_id,
) -> ReclusterOutcome:
    """Recompute the seeds' component inside the caller's transaction, its profiles locked."""
    snapshot = await tx.load_locked_component(seeds, rules, MAX_COMPONENT_NODES)
    if not snapshot.nodes:
        return ReclusterOutcome(profile_of={})
    decision = decide(snapshot, rules, new_id)
    await write_decision(tx, decision, at, reason)
    return decision.outcome()


def combine(*outcomes: ReclusterOutcome) -> ReclusterOutcome:
    """Recomputations of disjoint components as one outcome."""
    return ReclusterOutcome(
        profile_of={k: p for o in outcomes for k, p in o.profile_of.items()},
        merges=tuple(m for o in outcomes for m in o.merges),
        splits=tuple(s for o in outcomes for s in o.splits),
        created=tuple(c for o in outcomes for c in o.created),
        new_conflicts=tuple(r for o in outcomes for r in o.new_conflicts),
        truncated=any(o.truncated for o in outcomes),
        changed_profiles=frozenset(p for o in outcomes for p in o.changed_profiles),
        relinked=frozenset(p for o in outcomes for p in o.relinked),
        joined={p: t for o in outcomes for p, t in o.joined.items()},
    )


def new_components(
    created: set[str],
    nodes: Mapping[str, Node],
    evidence: Iterable[Evidence],
) -> list[ComponentSnapshot]:
    """The components made only of identifiers not stored yet, one snapshot each, held in full.

    Such an identifier has no evidence but this batch's, no NEVER edge, no profile and is not
    blocked, so its component is exactly what the batch says: no need to read it back.
    """
    rows = list(evidence)
    adjacency: dict[str, set[str]] = {k: set() for k in created}
    for e in rows:
        adjacency.setdefault(e.a, set()).add(e.b)
        adjacency.setdefault(e.b, set()).add(e.a)
    seen: set[str] = set()
    index_of: dict[str, int] = {}
    snapshots: list[ComponentSnapshot] = []
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
            snapshot = ComponentSnapshot()
            snapshot.nodes = [nodes[k] for k in sorted(component)]
            snapshot.stored_generic = {k: False for k in component}
            index_of.update((k, len(snapshots)) for k in component)
            snapshots.append(snapshot)
    for e in rows:
        index = index_of.get(e.a)
        if index is not None:
            snapshots[index].evidence.append(e)
            snapshots[index].link_states[(e.a, e.b, e.rule)] = LinkState(False, None)
    return snapshots
