"""What a test reads back from the in-memory identity graph that the identity port has no query
for: the partition, the recorded conflicts, a profile's event count, its identifiers and a
retired profile's lineage. Each is read from the graph's committed state (`graph.state`) and
answers as the Neo4j read the integration tests use does (cypher/identity/partition and
conflicts; the profile store's identity/profile_event_count, views/members_of_profiles and
identity/profile_by_id); tests/integration/contracts/test_identity_graph.py compares them
with those reads. What the port can read (an identifier, its profile and flags, a component)
is read through it (tests/support/identity_world.py)."""

from __future__ import annotations

from dataclasses import dataclass

from app.services.identity.keys import Sealer
from tests.fakes.identity_graph import InMemoryIdentityGraph

Partition = frozenset[frozenset[str]]


@dataclass(frozen=True)
class Conflict:
    """Evidence kept but not followed, and the rule that refused it."""

    a_type: str
    b_type: str
    rule: str
    refusal: str
    count: int


@dataclass(frozen=True)
class Lineage:
    """A profile's status and, once merged, the active profile at the end of its lineage."""

    status: str
    merged_into: str | None


def partition(graph: InMemoryIdentityGraph) -> Partition:
    """The workspace's identifier keys grouped by profile; fails if an identifier is in no
    profile (as tests/identity_checks.partition fails on Neo4j)."""
    groups: dict[str, set[str]] = {}
    for ident in graph.state.identifiers.values():
        if ident.ws != graph.ws:
            continue
        assert ident.profile is not None, f"{ident.type} identifier in no profile"
        groups.setdefault(ident.profile, set()).add(ident.key)
    return frozenset(frozenset(g) for g in groups.values())


def conflicts(graph: InMemoryIdentityGraph) -> list[Conflict]:
    """Every edge of the workspace with a refusal, the latest decided first (then by keys)."""
    state = graph.state
    refused = [
        (link.decided_at, a, b, rule, link)
        for (a, b, rule), link in state.links.items()
        if link.refusal is not None and state.identifiers[a].ws == graph.ws
    ]
    # Cypher's DESC puts a missing decided_at first.
    refused.sort(key=lambda r: (r[0] is not None, -(r[0] or 0.0), r[1], r[2]))
    return [
        Conflict(
            state.identifiers[a].type,
            state.identifiers[b].type,
            rule,
            str(link.refusal),
            link.count,
        )
        for _, a, b, rule, link in refused
    ]


def event_count(graph: InMemoryIdentityGraph, profile: str) -> int:
    """How many events the profile's identifiers carry (0 for an unknown or merged one)."""
    state = graph.state
    found = state.profiles.get(profile)
    if found is None or found.ws != graph.ws:
        return 0
    owners = state.members(profile)
    return sum(1 for event in state.events.values() if event["owner"] in owners)


def lineage(graph: InMemoryIdentityGraph, profile: str) -> Lineage:
    """The profile's status, and the active profile its MERGED_INTO edges lead to (None for
    a profile that was never merged)."""
    found = graph.state.profiles[profile]
    active = graph.state.follow_merges(found)
    return Lineage(found.status, None if active is found else active.id)


async def identifiers(
    graph: InMemoryIdentityGraph, sealer: Sealer, profile: str
) -> list[tuple[str, str | None]]:
    """The profile's identifiers as (type, value opened with its data key; None once the key
    is destroyed), by type, first sighting and key."""
    members = sorted(
        (graph.state.identifiers[k] for k in graph.state.members(profile)),
        key=lambda i: (i.type, i.first_seen, i.key),
    )
    keys = await sealer.data_keys([i.key for i in members], create=False)
    return [
        (
            i.type,
            str(sealer.open(keys[i.key], i.enc, owner=i.key, field="value"))
            if i.key in keys
            else None,
        )
        for i in members
    ]
