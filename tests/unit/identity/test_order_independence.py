"""Property tests: clusters are a function of the evidence set, never of arrival order."""

from __future__ import annotations

import itertools
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.identity import (
    Clustering,
    Evidence,
    IdentityRules,
    Node,
    aggregate,
    assign,
    cluster,
    explain_path,
)
from app.domain.identity.rules import DEFAULT_LINK_WEIGHTS

TYPES = ("user_id", "user_id", "email", "phone", "device_id", "anonymous_id", "crm_id")
RULE_NAMES = tuple(sorted(DEFAULT_LINK_WEIGHTS))
RULESETS = (
    IdentityRules(),
    IdentityRules(
        type_caps={"user_id": 1, "email": 2, "phone": 1, "device_id": 2, "anonymous_id": 3},
        total_cap=5,
        generic_degree=4,
        late_binding_rules=frozenset({"co_occurrence"}),
        late_binding_threshold=2,
    ),
    IdentityRules(type_caps={"user_id": 1}, total_cap=3, generic_degree=6),
    # Caps over a window of first sightings (in seconds here, so that they matter).
    IdentityRules(
        type_caps={"user_id": 1, "email": 2, "anonymous_id": 2},
        total_cap=4,
        cap_window_days={"anonymous_id": 2 / 86_400, "email": 1 / 86_400},
    ),
)
SETTINGS = settings(max_examples=250, deadline=None)


@dataclass(frozen=True)
class Graph:
    nodes: tuple[Node, ...]
    evidence: tuple[Evidence, ...]
    never: tuple[tuple[str, str], ...]
    rules: IdentityRules

    def run(self) -> Clustering:
        return cluster(self.nodes, self.evidence, self.never, self.rules)


@st.composite
def graphs(draw: st.DrawFn) -> Graph:
    n = draw(st.integers(min_value=1, max_value=12))
    nodes = []
    for i in range(n):
        type_ = draw(st.sampled_from(TYPES))
        first_seen = float(draw(st.integers(0, 4)))  # small range: ties are common
        blocked = draw(st.integers(0, 11)) == 0
        nodes.append(Node(f"{type_}:{i:02d}", type_, first_seen, blocked))
    keys = [node.key for node in nodes]
    rows = []
    if n > 1:
        pairs = st.lists(st.sampled_from(keys), min_size=2, max_size=2, unique=True)
        for _ in range(draw(st.integers(0, 24))):
            a, b = draw(pairs)
            rule = draw(st.sampled_from(RULE_NAMES))
            at = float(draw(st.integers(0, 4)))
            count = draw(st.integers(1, 3))
            rows.append(Evidence(a, b, rule, DEFAULT_LINK_WEIGHTS[rule], at, count))
        never = draw(st.lists(pairs.map(lambda p: (p[0], p[1])), max_size=3))
    else:
        never = []
    rules = draw(st.sampled_from(RULESETS))
    return Graph(tuple(nodes), aggregate(rows), tuple(never), rules)


def flipped(e: Evidence) -> Evidence:
    return Evidence(e.b, e.a, e.rule, e.weight, e.at, e.count)


def retired(g: Graph, c: frozenset[str], k: str) -> bool:
    """First seen more than its type's cap window before the newest of its type in `c`."""
    first = {n.key: n for n in g.nodes}
    kind = first[k].type
    if kind not in g.rules.cap_window_days:
        return False
    newest = max(first[x].first_seen for x in c if first[x].type == kind)
    return first[k].first_seen < newest - g.rules.cap_window_days[kind] * 86_400


def check_invariants(g: Graph, result: Clustering) -> None:
    keys = sorted(n.key for n in g.nodes)
    assert sorted(k for c in result.clusters for k in c) == keys
    assert all(result.clusters[result.cluster_of[k]].__contains__(k) for k in keys)
    assert [min(c) for c in result.clusters] == sorted(min(c) for c in result.clusters)
    types = {n.key: n.type for n in g.nodes}
    for c in result.clusters:
        live = [k for k in c if not retired(g, c, k)]
        assert len(live) <= g.rules.total_cap
        for type_, count in Counter(types[k] for k in live).items():
            # A successor link (an alias from one user id to the next) counts its pair once.
            successions = sum(
                1
                for e in result.accepted
                if e.rule in g.rules.successor_rules
                and e.a in c
                and types[e.a] == types[e.b] == type_
            )
            assert count - successions <= g.rules.type_caps.get(type_, count)
    for x, y in g.never:
        assert x == y or result.cluster_of[x] != result.cluster_of[y]
    blocked = {n.key for n in g.nodes if n.blocked}
    for k in blocked | result.generic | {ev.key for ev in result.evicted}:
        assert result.clusters[result.cluster_of[k]] == frozenset({k})
    seen = Counter((r.a, r.b, r.rule) for r in result.refused)
    seen.update((e.a, e.b, e.rule) for e in result.accepted)
    assert seen == Counter((e.a, e.b, e.rule) for e in g.evidence)
    for e in result.accepted:
        assert result.cluster_of[e.a] == result.cluster_of[e.b]
    for c in result.clusters:
        ordered = sorted(c)
        for a, b in itertools.pairwise(ordered):
            path = explain_path(a, b, result)
            assert path is not None, "every cluster is connected by accepted evidence"
            at = a
            for hop in path:
                assert hop in result.accepted
                assert at in (hop.a, hop.b)
                at = hop.b if hop.a == at else hop.a
            assert at == b


@SETTINGS
@given(graphs(), st.randoms(use_true_random=False))
def test_result_is_independent_of_input_order(g: Graph, rnd: random.Random) -> None:
    base = g.run()
    check_invariants(g, base)
    nodes, evidence, never = list(g.nodes), list(g.evidence), list(g.never)
    rnd.shuffle(nodes)
    rnd.shuffle(evidence)
    rnd.shuffle(never)
    evidence = [flipped(e) if rnd.random() < 0.5 else e for e in evidence]
    never = [(y, x) if rnd.random() < 0.5 else (x, y) for x, y in never]
    assert cluster(nodes, evidence, never, g.rules) == base
    assert cluster(reversed(nodes), reversed(evidence), reversed(never), g.rules) == base


def counter_ids(prefix: str = "new") -> Callable[[], str]:
    counter = itertools.count(1)
    return lambda: f"{prefix}-{next(counter)}"


@SETTINGS
@given(graphs(), st.data())
def test_assign_is_deterministic(g: Graph, data: st.DataObject) -> None:
    clusters = g.run().clusters
    keys = sorted(k for c in clusters for k in c)
    profiles = ("P1", "P2", "P3")
    current = {
        k: p
        for k in keys
        if (p := data.draw(st.sampled_from((*profiles, None)), label=k)) is not None
    }
    created = {p: float(data.draw(st.integers(0, 2), label=p)) for p in profiles}
    first = assign(clusters, current, created, counter_ids())
    assert assign(clusters, current, created, counter_ids()) == first
    order = data.draw(st.permutations(range(len(clusters))), label="order")
    shuffled = [clusters[i] for i in order]
    second = assign(shuffled, current, created, counter_ids())
    assert second.profile_of_cluster == tuple(first.profile_of_cluster[i] for i in order)
    assert (second.merges, second.splits, second.created) == (
        first.merges,
        first.splits,
        first.created,
    )
    assert second.moves == first.moves
    assert len(set(first.profile_of_cluster)) == len(clusters)
    for k, p in first.moves.items():
        assert current.get(k) != p


@SETTINGS
@given(graphs(), st.data())
def test_never_pair_splits_and_removing_it_restores(g: Graph, data: st.DataObject) -> None:
    base = g.run()
    together = [c for c in base.clusters if len(c) > 1]
    if not together:
        return
    group = data.draw(st.sampled_from(together))
    x, y = data.draw(st.lists(st.sampled_from(sorted(group)), min_size=2, max_size=2, unique=True))
    with_never = Graph(g.nodes, g.evidence, (*g.never, (x, y)), g.rules)
    split = with_never.run()
    check_invariants(with_never, split)
    assert split.cluster_of[x] != split.cluster_of[y]
    assert any(r.reason == "never" for r in split.refused)
    assert cluster(g.nodes, g.evidence, g.never, g.rules).clusters == base.clusters


@SETTINGS
@given(graphs(), st.randoms(use_true_random=False))
def test_replayed_rows_do_not_change_the_partition(g: Graph, rnd: random.Random) -> None:
    base = g.run()
    replayed = list(g.evidence) * 2
    rnd.shuffle(replayed)
    assert cluster(g.nodes, replayed, g.never, g.rules) == base
    assert aggregate(g.evidence) == g.evidence  # aggregating aggregated rows is a no-op
    split_rows = [Evidence(e.a, e.b, e.rule, e.weight, e.at + 1, 1) for e in g.evidence] + [
        Evidence(e.b, e.a, e.rule, e.weight, e.at, e.count) for e in g.evidence
    ]
    rnd.shuffle(split_rows)
    merged = aggregate(split_rows)
    assert [(e.a, e.b, e.rule, e.at, e.count) for e in merged] == [
        (e.a, e.b, e.rule, e.at, e.count + 1) for e in g.evidence
    ]
