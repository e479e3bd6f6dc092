"""The review queue, scored: what it files after a run, whether each suggestion is about one
person, and the scores once a reviewer who knows the truth has decided every suggestion.

A profile's person is the one most of its items belong to (human truth). A suggestion is right
when the two profiles it joins (a merge suggestion's pair, a conflict's two contending values)
are one person; a generic value is right to block (the truth's shared and junk values are the
only ones the rules catch, or the scores would show a person split). Recall counts the pairs
of profiles of one person that both hold something to compare (a record the linkage model can
read): those a trait-based suggestion could find.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Set
from itertools import combinations
from typing import Any

from app.bootstrap import Container
from app.domain.review import Suggestion
from app.services.identity.review.duplicates import ScanReport
from app.services.identity.review.sweep import ConflictSweep
from bench.identity_scenarios.model import Sent

TOP = 100


def _person_of(placed: Mapping[Sent, str | None], human: Mapping[Sent, str]) -> dict[str, str]:
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for item, profile in placed.items():
        if profile is not None and item in human:
            votes[profile][human[item]] += 1
    return {p: c.most_common(1)[0][0] for p, c in votes.items()}


def _pair(s: Suggestion) -> tuple[str, str] | None:
    if s.kind == "contended_identifier" and len(s.identifiers) == 2:
        a, b = (i.profile for i in s.identifiers)
        return (a, b) if a and b and a != b else None
    return (s.profiles[0], s.profiles[1]) if len(s.profiles) >= 2 else None


async def _all_open(container: Container) -> list[Suggestion]:
    found: list[Suggestion] = []
    while page := await container.review.suggestions("open", None, 1000, len(found)):
        found += page
        if len(page) < 1000:
            break
    return found


def _people_of(placed: Mapping[Sent, str | None], human: Mapping[Sent, str]) -> dict[str, set[str]]:
    """Each profile's people: whose items it holds."""
    people: dict[str, set[str]] = defaultdict(set)
    for item, profile in placed.items():
        if profile is not None and item in human:
            people[profile].add(human[item])
    return people


def _right(
    s: Suggestion,
    person: Mapping[str, str],
    bots: Set[str] = frozenset(),
    people: Mapping[str, Set[str]] | None = None,
) -> bool:
    if s.kind == "bot_suspect":
        return bool(s.profiles) and person.get(s.profiles[0]) in bots
    if s.kind == "profile_at_cap":
        # Right when the profile glues several people (a shared login), not one person's.
        return bool(s.profiles) and len((people or {}).get(s.profiles[0], ())) > 1
    pair = _pair(s)
    return pair is not None and pair[0] in person and person.get(pair[0]) == person.get(pair[1])


async def _linkage_scores(
    container: Container, scanned: ScanReport, open_: list[Suggestion], person: Mapping[str, str]
) -> dict[str, Any]:
    """The duplicate scan's figures and its likely-same-person suggestions scored: precision
    over the `TOP` most probable and over all, recall over the pairs of one person's comparable
    profiles."""
    likely = sorted(
        (s for s in open_ if s.kind == "likely_same_person"),
        key=lambda s: -(s.probability or 0.0),
    )
    _, records = await container.duplicate_scan.records()
    comparable: dict[str, list[str]] = defaultdict(list)
    for r in records:
        if r.id in person:
            comparable[person[r.id]].append(r.id)
    wanted = {frozenset(pair) for ids in comparable.values() for pair in combinations(ids, 2)}
    found = {frozenset(p) for s in likely if (p := _pair(s)) is not None} & wanted
    top = likely[:TOP]
    return {
        "profiles": scanned.profiles,
        "compared": scanned.compared,
        "pairs_scored_above_threshold": scanned.pairs,
        "seconds": round(scanned.seconds, 2),
        f"precision_at_{TOP}": round(sum(_right(s, person) for s in top) / len(top), 4)
        if top
        else None,
        "precision": round(sum(_right(s, person) for s in likely) / len(likely), 4)
        if likely
        else None,
        "recall": round(len(found) / len(wanted), 4) if wanted else None,
        "pairs_of_one_person": len(wanted),
    }


async def review_queue(
    container: Container,
    placed: Mapping[Sent, str | None],
    human: Mapping[Sent, str],
    began: float,
    bots: Set[str],
) -> dict[str, Any]:
    """Sweep and scan, score the suggestions, then decide each as the truth says (accept when
    one person, dismiss otherwise).

    The run sends weeks of traffic in minutes, so one sweep stands for the worker's sweeps
    during it: its clock is where the traffic `began`, so every event counts as arrived since
    its last pass (bot suspects are read from the owners of events stamped since then). A bot
    suspect is right when its profile's person is one of the `bots`; a profile at a cap, when
    it holds several people's items (a shared login, not one person's many browsers)."""
    sweep = ConflictSweep(
        container.conflict_sweep.store, container.curation, container.rules, lambda: began
    )
    swept = await sweep.sweep(limit=5000)
    scanned = await container.duplicate_scan.scan()
    person, people = _person_of(placed, human), _people_of(placed, human)
    open_ = await _all_open(container)
    kinds: dict[str, dict[str, Any]] = {}
    for kind in sorted({s.kind for s in open_}):
        mine = [s for s in open_ if s.kind == kind]
        right = sum(_right(s, person, bots, people) for s in mine)
        scenarios = Counter(
            person[p].split(":")[0] if p in person else "a shared or junk value"
            for s in mine
            for p in s.profiles[:1]
        )
        kinds[kind] = {
            "filed": len(mine),
            "one_person": right,
            "by_scenario": dict(sorted(scenarios.items())),
        }
    linkage = await _linkage_scores(container, scanned, open_, person)
    decided: Counter[str] = Counter()
    for s in open_:
        # Generic values here are all shared or junk (the scores show any person's value
        # caught): blocking them is right.
        if s.kind == "generic_value" or _right(s, person, bots, people):
            outcome = await container.review.accept(s.id, "accuracy reviewer")
            decided[f"refused ({outcome.refusal})" if outcome.refusal else "accepted"] += 1
        else:
            await container.review.dismiss(s.id, "accuracy reviewer")
            decided["dismissed"] += 1
    return {
        "swept": {
            "contended": swept.contended,
            "generic": swept.generic,
            "bots": swept.bots,
            "at_cap": swept.at_cap,
        },
        "kinds": kinds,
        "linkage": linkage,
        "decided": dict(decided),
    }
