"""Canonical-order constrained clustering of identifiers.

"First link wins" makes clusters depend on arrival order once rules can refuse a link (one
``user_id`` per profile). So evidence edges are taken in one canonical order (weight, then
time, then keys, then rule) and unioned Kruskal-style, refusing any union that breaks a rule.
The result is then a function of the set of nodes, edges and NEVER pairs, never of their order.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import Counter, deque
from collections.abc import Collection, Iterable, Mapping
from types import MappingProxyType

from app.domain.identity.evidence import (
    BLOCKED,
    GENERIC,
    LATE_BINDING_PENDING,
    NEVER,
    REASSIGNED,
    TOTAL_CAP,
    TYPE_CAP,
    Clustering,
    Eviction,
    Evidence,
    Node,
    Refusal,
    hops,
)
from app.domain.identity.rules import IdentityRules


class _State:
    """Mutable working state of one clustering run; never escapes :func:`cluster`."""

    def __init__(
        self, nodes: Mapping[str, Node], never: Mapping[str, set[str]], rules: IdentityRules
    ) -> None:
        self.nodes, self.never, self.rules = nodes, never, rules
        self.cid = {k: i for i, k in enumerate(sorted(nodes))}
        self.members = {i: {k} for k, i in self.cid.items()}
        self.counts = {i: Counter([nodes[k].type]) for k, i in self.cid.items()}
        self.next_id = len(nodes)
        self.accepted_of: dict[str, set[Evidence]] = {k: set() for k in nodes}
        self.refused: list[tuple[Evidence, str]] = []
        self.evicted: dict[str, str] = {}  # key -> the cap that pushed it out
        #: Per cluster, the sorted first sightings of each type whose cap has a window.
        self.windows = {t: days * 86_400.0 for t, days in rules.cap_window_days.items()}
        self.times = {
            i: {nodes[k].type: [nodes[k].first_seen]} if nodes[k].type in self.windows else {}
            for k, i in self.cid.items()
        }

    def add(self, e: Evidence) -> None:
        """Take one edge in canonical order: follow it, or record why not."""
        reason = self._union(e)
        if reason is None:
            self.accepted_of[e.a].add(e)
            self.accepted_of[e.b].add(e)
        else:
            self.refused.append((e, reason))

    def _union(self, e: Evidence) -> str | None:
        for end in (e.a, e.b):
            if end in self.evicted:
                return self.evicted[end]
        ca, cb = self.cid[e.a], self.cid[e.b]
        if ca == cb:
            return None
        small, big = sorted((ca, cb), key=lambda c: len(self.members[c]))
        if any(self.never.get(k, set()) & self.members[big] for k in self.members[small]):
            return NEVER
        merged = self.counts[ca] + self.counts[cb]
        if e.rule in self.rules.successor_rules and self.nodes[e.a].type == self.nodes[e.b].type:
            # One value succeeding another of its type (an old user id aliased to a new one):
            # the pair counts once against the type's cap.
            merged[self.nodes[e.a].type] -= 1
        # Values first seen more than their type's window before its newest one are retired:
        # they count towards no cap.
        newest, retired = _retired(self.times[ca], self.times[cb], self.windows)
        live = merged - Counter(retired)
        caps, sessions = self.rules.type_caps, self.rules.session_types
        over = [t for t, n in live.items() if n > caps.get(t, n)]
        if any(t not in sessions for t in over):
            hard = [t for t in over if t not in sessions]
            return f"{TYPE_CAP}:{min(hard, key=self.rules.priority_key)}"
        # Over a session type's cap or the total cap, the oldest sessions make room.
        needed = {t: live[t] - caps[t] for t in over}
        members = self.members[ca] | self.members[cb]
        total = len(members) - sum(retired.values()) - self.rules.total_cap
        victims: list[tuple[str, str]] = []
        if needed or total > 0:
            found = self._plan_evictions(members, e, needed, total, newest)
            if found is None:
                if over:
                    return f"{TYPE_CAP}:{min(over, key=self.rules.priority_key)}"
                return TOTAL_CAP
            victims = found
        for k in self.members[small]:
            self.cid[k] = big
        self.members[big] |= self.members.pop(small)
        self.counts[big] = merged
        for t, at in self.times.pop(small).items():
            into = self.times[big].setdefault(t, [])
            for x in at:
                insort(into, x)
        del self.counts[small]
        for k, reason in victims:
            self._evict(k, reason)
        return None

    def _plan_evictions(
        self,
        members: set[str],
        e: Evidence,
        needed: dict[str, int],
        total: int,
        newest: Mapping[str, float],
    ) -> list[tuple[str, str]] | None:
        """Oldest session identifiers whose removal keeps the rest connected, each with the
        cap it makes room under, or None.

        ``needed`` says how many of each session type must go (their type cap), ``total``
        how many in all (the total cap). Skipping a bridge keeps every cluster connected by
        accepted evidence, so a profile can always be explained; the endpoints of the new
        edge are never evicted. Of a type with a window (``newest``: its newest first
        sighting in the cluster), neither retired values (they count towards no cap) nor the
        newest go, so what is retired stays retired.
        """
        sessions, windows = self.rules.session_types, self.windows
        candidates = sorted(
            (node.first_seen, k)
            for k in members
            if (node := self.nodes[k]).type in sessions
            and k not in (e.a, e.b)
            and (
                node.type not in newest
                or newest[node.type] - windows[node.type] <= node.first_seen < newest[node.type]
            )
        )
        owed = dict(needed)
        removed: dict[str, str] = {}
        while any(n > 0 for n in owed.values()) or len(removed) < total:
            wanted = {t for t, n in owed.items() if n > 0}
            for _first_seen, k in candidates:
                kind = self.nodes[k].type
                if (
                    k not in removed
                    and kind in (wanted or sessions)
                    and self._connected(members, {*removed, k}, e)
                ):
                    removed[k] = f"{TYPE_CAP}:{kind}" if wanted else TOTAL_CAP
                    if wanted:
                        owed[kind] -= 1
                    break
            else:
                return None
        return list(removed.items())

    def _connected(self, members: set[str], removed: set[str], e: Evidence) -> bool:
        seen, queue = {e.a}, deque([e.a])
        while queue:
            k = queue.popleft()
            nbrs = {x.b if x.a == k else x.a for x in self.accepted_of[k]}
            nbrs |= {e.b} if k == e.a else {e.a} if k == e.b else set()
            for n in nbrs - removed - seen:
                seen.add(n)
                queue.append(n)
        return len(seen) == len(members) - len(removed)

    def _evict(self, k: str, reason: str) -> None:
        old = self.cid[k]
        self.members[old].discard(k)
        node = self.nodes[k]
        self.counts[old][node.type] -= 1
        if node.type in self.windows:
            self.times[old][node.type].remove(node.first_seen)
        self.cid[k], self.members[self.next_id] = self.next_id, {k}
        self.counts[self.next_id] = Counter([node.type])
        self.times[self.next_id] = {t: [node.first_seen] for t in self.windows if t == node.type}
        self.next_id += 1
        self.evicted[k] = reason
        for edge in self.accepted_of[k]:
            self.accepted_of[edge.b if edge.a == k else edge.a].discard(edge)
            self.refused.append((edge, reason))
        self.accepted_of[k] = set()


def _retired(
    a: Mapping[str, list[float]], b: Mapping[str, list[float]], windows: Mapping[str, float]
) -> tuple[dict[str, float], dict[str, int]]:
    """For two clusters together, per type with a window: its newest first sighting, and how
    many of its values are retired (first seen more than the window before that)."""
    newest: dict[str, float] = {}
    retired: dict[str, int] = {}
    for t in a.keys() | b.keys():
        lists = [at for at in (a.get(t), b.get(t)) if at]
        if lists:
            newest[t] = max(at[-1] for at in lists)
            retired[t] = sum(bisect_left(at, newest[t] - windows[t]) for at in lists)
    return newest, retired


def _index_nodes(nodes: Iterable[Node]) -> dict[str, Node]:
    by_key: dict[str, Node] = {}
    for n in nodes:
        if by_key.setdefault(n.key, n) != n:
            raise ValueError(f"node {n.key!r} given twice with different attributes")
    return by_key


def _generic(
    by_key: Mapping[str, Node],
    edges: list[Evidence],
    blocked: set[str],
    rules: IdentityRules,
) -> frozenset[str]:
    """Identifiers whose links do not count: those flagged generic, those linked to more
    than `generic_degree` identifiers of types that are not session types (many sessions on
    one user id is a loyal person; many user ids on one value is junk), and values of a
    contended type (a user id) sharing more than `generic_rivals` session identifiers with
    more than `generic_rivals` others of their type (one "[object Object]" user id in many
    people's browsers; not a browser a family of five shares)."""
    neighbours: dict[str, set[str]] = {}
    for e in edges:
        if e.a not in blocked and e.b not in blocked:
            neighbours.setdefault(e.a, set()).add(e.b)
            neighbours.setdefault(e.b, set()).add(e.a)
    sessions, contended = rules.session_types, rules.contended_types
    counted = {k: {n for n in ns if by_key[n].type not in sessions} for k, ns in neighbours.items()}
    junk = {
        k
        for k, ns in neighbours.items()
        if by_key[k].type in contended and _junk(k, ns, neighbours, by_key, rules)
    }
    return frozenset(
        {k for k, ns in counted.items() if len(ns) > rules.generic_degree}
        | junk
        | {k for k, n in by_key.items() if n.generic and not n.blocked}
    )


def _junk(
    k: str,
    ns: set[str],
    neighbours: Mapping[str, set[str]],
    by_key: Mapping[str, Node],
    rules: IdentityRules,
) -> bool:
    """More than `generic_rivals` of its session identifiers shared with more than
    `generic_rivals` other values of its type (cypher/identity/traverse_component.cypher
    counts the same over the whole graph)."""
    kind, limit = by_key[k].type, rules.generic_rivals
    shared: set[str] = set()
    rivals: set[str] = set()
    for x in ns:
        if by_key[x].type not in rules.session_types:
            continue
        others = {u for u in neighbours[x] if u != k and by_key[u].type == kind}
        if others:
            shared.add(x)
            rivals |= others
    return len(shared) > limit and len(rivals) > limit


def _reassigned(
    by_key: Mapping[str, Node],
    edges: list[Evidence],
    rules: IdentityRules,
    inert: Collection[str],
) -> frozenset[Evidence]:
    """Edges of values that passed to a new owner before the handover (a recycled number).

    For a value of a type in ``reassigned_after_days``, its owners are the values of contended
    types (user ids) it has evidence with, each over the time of that evidence. Taken by first
    sighting, an owner first seen more than the type's days after every earlier owner was
    last seen starts a new ownership; every edge of the value last seen before the latest
    such start is returned: it no longer links. Owners seen side by side (a household) start
    nothing, and a blocked or generic user id (`inert`: junk) owns nothing.
    """
    days = rules.reassigned_after_days
    if not days or not any(n.type in days for n in by_key.values()):
        return frozenset()
    contended = rules.contended_types
    owned: dict[str, dict[str, tuple[float, float]]] = {}
    for e in edges:
        for value, other in ((e.a, e.b), (e.b, e.a)):
            if (
                by_key[value].type in days
                and by_key[other].type in contended
                and other not in inert
            ):
                first, last = owned.setdefault(value, {}).get(other, (e.at, e.seen_last))
                owned[value][other] = (min(first, e.at), max(last, e.seen_last))
    handover: dict[str, float] = {}
    for value, owners in owned.items():
        gap = days[by_key[value].type] * 86_400.0
        periods = sorted(owners.values())
        latest_end = periods[0][1]
        for first, last in periods[1:]:
            if first > latest_end + gap:
                handover[value] = first
            latest_end = max(latest_end, last)
    return frozenset(
        e for e in edges if any(k in handover and e.seen_last < handover[k] for k in (e.a, e.b))
    )


def cluster(
    nodes: Iterable[Node],
    evidence: Iterable[Evidence],
    never: Iterable[tuple[str, str]],
    rules: IdentityRules,
) -> Clustering:
    """Partition ``nodes`` by ``evidence`` under ``rules``, honouring sticky NEVER pairs.

    Inputs are treated as sets (an identical row twice counts once); pass :func:`aggregate`d
    evidence so that late-binding counts are per (pair, rule). Every edge ends up either in
    ``accepted`` or in ``refused``.
    """
    by_key = _index_nodes(nodes)
    edges = sorted(set(evidence), key=lambda e: e.sort_key)
    for e in edges:
        for k in (e.a, e.b):
            if k not in by_key:
                raise ValueError(f"evidence refers to unknown node {k!r}")
    blocked = {k for k, n in by_key.items() if n.blocked}
    generic = _generic(by_key, edges, blocked, rules)
    reassigned = _reassigned(by_key, edges, rules, blocked | generic)
    forbidden: dict[str, set[str]] = {}
    for x, y in never:
        if x != y and x in by_key and y in by_key:
            forbidden.setdefault(x, set()).add(y)
            forbidden.setdefault(y, set()).add(x)

    state = _State(by_key, forbidden, rules)
    for e in edges:
        if e.a in blocked or e.b in blocked:
            state.refused.append((e, BLOCKED))
        elif e.a in generic or e.b in generic:
            state.refused.append((e, GENERIC))
        elif e in reassigned:
            state.refused.append((e, REASSIGNED))
        elif (
            rules.is_late(e.rule, by_key[e.a].type, by_key[e.b].type)
            and e.count < rules.late_binding_threshold
        ):
            state.refused.append((e, LATE_BINDING_PENDING))
        else:
            state.add(e)

    clusters = tuple(sorted((frozenset(m) for m in state.members.values()), key=min))
    cluster_of = {k: i for i, c in enumerate(clusters) for k in c}
    refused = sorted(state.refused, key=lambda r: (r[0].sort_key, r[1]))
    return Clustering(
        clusters=clusters,
        cluster_of=MappingProxyType(cluster_of),
        generic=generic,
        refused=tuple(Refusal(e.a, e.b, e.rule, reason) for e, reason in refused),
        evicted=tuple(Eviction(k, state.evicted[k]) for k in sorted(state.evicted)),
        accepted=tuple(sorted(set().union(*state.accepted_of.values()), key=lambda e: e.sort_key)),
    )


def explain_path(a: str, b: str, clustering: Clustering) -> list[Evidence] | None:
    """The strongest chain of accepted evidence from ``a`` to ``b``; None across clusters.

    Maximises the weakest link, then minimises hops, then takes the lexically smallest keys,
    so the same clustering always gives the same explanation. Rows keep their sorted (a, b).
    """
    where = clustering.cluster_of
    if a not in where or b not in where or where[a] != where[b]:
        return None
    if a == b:
        return []
    best: dict[tuple[str, str], Evidence] = {}
    for e in clustering.accepted:  # already in canonical order: first row per pair is best
        if where[e.a] == where[a]:
            best.setdefault((e.a, e.b), e)
    for floor in sorted({e.weight for e in best.values()}, reverse=True):
        adj: dict[str, set[str]] = {}
        for (x, y), e in best.items():
            if e.weight >= floor:
                adj.setdefault(x, set()).add(y)
                adj.setdefault(y, set()).add(x)
        dist = hops(adj, [b])
        if a in dist:
            path, k = [], a
            while k != b:
                nxt = min(n for n in adj[k] if dist.get(n) == dist[k] - 1)
                path.append(best[(min(k, nxt), max(k, nxt))])
                k = nxt
            return path
    return None
