"""Which profile id each recomputed cluster gets: the merge and split decisions.

Profile ids are what the outside world holds (CRM rows, journey state), so a recompute must
move as few of them as possible: a profile stays with the cluster that holds most of its
identifiers, a merge keeps the oldest id, and only a cluster with no profile gets a new one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True, order=True)
class Merge:
    """Profile ``from_id`` is merged into ``into_id`` (it keeps resolving through lineage)."""

    from_id: str
    into_id: str


@dataclass(frozen=True, order=True)
class Split:
    """A new profile ``new_id`` made of identifiers taken from ``from_id``, which lives on."""

    from_id: str
    new_id: str


@dataclass(frozen=True)
class Assignment:
    """The decision for one component; ``profile_of_cluster[i]`` belongs to ``clusters[i]``."""

    profile_of_cluster: tuple[str, ...]
    merges: tuple[Merge, ...]
    created: tuple[str, ...]
    splits: tuple[Split, ...]
    #: identifier -> its profile id, only where it changed (or the identifier is new).
    moves: Mapping[str, str]


def _check_clusters(clusters: Sequence[frozenset[str]]) -> None:
    seen: set[str] = set()
    for c in clusters:
        if not c:
            raise ValueError("empty cluster")
        if seen & c:
            raise ValueError(f"identifier in two clusters: {min(seen & c)!r}")
        seen |= c


def _votes(
    clusters: Sequence[frozenset[str]], current: Mapping[str, str]
) -> dict[str, Counter[int]]:
    """Per existing profile, how many of its identifiers each cluster holds."""
    votes: dict[str, Counter[int]] = {}
    for i, c in enumerate(clusters):
        for k in c:
            p = current.get(k)
            if p is not None:
                votes.setdefault(p, Counter())[i] += 1
    return votes


def _winners(
    clusters: Sequence[frozenset[str]],
    votes: Mapping[str, Counter[int]],
    smallest: list[str],
    rank: Mapping[str, tuple[int, int, str]],
) -> dict[int, list[str]]:
    """Per cluster, the existing profiles it won: most identifiers, then the most important
    identifier by rank, then the smallest key."""
    no_rank = (0, 0, "")
    best = [min(rank.get(k, no_rank) for k in c) for c in clusters]
    won: dict[int, list[str]] = {}
    for p, count in votes.items():
        winner = min(count, key=lambda i: (-count[i], best[i], smallest[i]))
        won.setdefault(winner, []).append(p)
    return won


def assign(
    clusters: Sequence[frozenset[str]],
    current: Mapping[str, str],
    profile_created: Mapping[str, float],
    new_id: Callable[[], str],
    rank: Mapping[str, tuple[int, int, str]] | None = None,
) -> Assignment:
    """Decide the profile id of every cluster of one recomputed component.

    Each existing profile is won by the cluster holding most of its identifiers. Ties go to
    the cluster holding the most important identifier by ``rank`` (the user_id, so that an
    unlinked anonymous id leaves rather than the login), then to the smallest key. A cluster
    that won several keeps the oldest (created_at, then id) and merges the rest into it; one
    that won none gets ``new_id()``. Clusters are visited in order of their smallest key, so
    ``new_id`` is called in a deterministic order.
    """
    _check_clusters(clusters)
    votes = _votes(clusters, current)
    missing = sorted(p for p in votes if p not in profile_created)
    if missing:
        raise ValueError(f"no created_at for profile(s) {', '.join(missing)}")
    smallest = [min(c) for c in clusters]
    won = _winners(clusters, votes, smallest, rank or {})

    profiles: list[str] = [""] * len(clusters)
    merges: list[Merge] = []
    created: list[str] = []
    splits: list[Split] = []
    for i in sorted(range(len(clusters)), key=lambda i: smallest[i]):
        mine = sorted(won.get(i, []), key=lambda p: (profile_created[p], p))
        if mine:
            keep = mine[0]
            merges.extend(Merge(p, keep) for p in mine[1:])
        else:
            keep = new_id()
            if keep in votes or keep in profile_created or keep in created:
                raise ValueError(f"new_id() returned an id already in use: {keep!r}")
            created.append(keep)
            previous = {current[k] for k in clusters[i] if k in current}
            splits.extend(Split(p, keep) for p in sorted(previous))
        profiles[i] = keep

    moves = {
        k: profiles[i]
        for i, c in enumerate(clusters)
        for k in sorted(c)
        if current.get(k) != profiles[i]
    }
    return Assignment(
        profile_of_cluster=tuple(profiles),
        merges=tuple(sorted(merges)),
        created=tuple(created),
        splits=tuple(sorted(splits)),
        moves=MappingProxyType(dict(sorted(moves.items()))),
    )
