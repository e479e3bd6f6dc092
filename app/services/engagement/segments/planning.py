"""Which segments a round of changes must decide, and in which order.

A segment is decided again for a profile only when one of its inputs changed on that profile
(an event it counts, a trait, a consent, the profile itself appearing, merging or splitting);
a segment made of others is decided after them, one dependency level at a time, so it sees
their new memberships.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from app.domain.segments import SegmentDefinition, dependencies
from app.domain.segments.definition import Dependencies
from app.services.changes.profile_changes import STRUCTURAL, ProfileChanges

Level = list[tuple[SegmentDefinition, Dependencies]]


def concerned(
    deps: Dependencies,
    kinds: set[str],
    events: set[str],
    traits: set[str],
    joined: set[str],
) -> bool:
    """Whether a segment with these dependencies can have changed for a profile (`joined`:
    the types of the identifiers seen for the first time that joined it)."""
    if kinds & STRUCTURAL:
        return True
    if deps.identifier_types & joined:
        return True
    if "traits" in kinds and ("*" in traits or deps.traits & traits):
        return True
    if "consent" in kinds and deps.purposes:
        return True
    return bool(deps.events & events)


def plan_level(
    level: Level, changes: ProfileChanges, moved: dict[str, set[str]]
) -> dict[str, list[int]]:
    """Profile -> positions in `level` of the segments to decide for it: those whose inputs
    changed, and those referring to a segment whose membership `moved` for the profile."""
    plan: dict[str, list[int]] = {}
    profiles = sorted(changes.profiles)
    for n, (_, deps) in enumerate(level):
        for pid in profiles:
            if concerned(
                deps,
                changes.kinds.get(pid, set()),
                changes.events.get(pid, set()),
                changes.traits.get(pid, set()),
                changes.joined(pid),
            ) or (deps.segments & moved.get(pid, set())):
                plan.setdefault(pid, []).append(n)
    return plan


def ordered(definitions: Iterable[SegmentDefinition]) -> Level:
    """Segments with their dependencies, those referred to by others first (by name within)."""
    found = list(definitions)
    deps = {d.name: dependencies(d.condition) for d in found}
    out: list[SegmentDefinition] = []
    placed: set[str] = set()
    pending = sorted(found, key=lambda d: d.name)
    while pending:
        waiting = {d.name for d in pending}
        ready = [d for d in pending if not deps[d.name].segments & waiting]
        if not ready:  # a cycle slipped in: evaluate in name order rather than stop
            ready = pending[:1]
        for d in ready:
            out.append(d)
            placed.add(d.name)
        pending = [d for d in pending if d.name not in placed]
    return [(d, deps[d.name]) for d in out]


def levels(segments: Level) -> list[Level]:
    """Segments (those referred to by others first) grouped by depth: a segment is one level
    above the deepest segment it refers to."""
    depth: dict[str, int] = {}
    out: list[Level] = []
    for segment, deps in segments:
        level = 1 + max((depth.get(name, -1) for name in deps.segments), default=-1)
        depth[segment.name] = level
        while len(out) <= level:
            out.append([])
        out[level].append((segment, deps))
    return out


def reaches(graph: Mapping[str, frozenset[str]], start: Iterable[str], target: str) -> bool:
    """Whether `target` is reached from `start` following references (segment -> segments)."""
    seen: set[str] = set()
    frontier = list(start)
    while frontier:
        name = frontier.pop()
        if name == target:
            return True
        if name not in seen:
            seen.add(name)
            frontier.extend(graph.get(name, ()))
    return False
