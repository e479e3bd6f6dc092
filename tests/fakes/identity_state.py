"""The identity graph in memory: identifiers, profiles, evidence, NEVER pairs, events,
observations, devices and consents, as cypher/identity/, cypher/traits/, cypher/devices/ and
cypher/consent/ store them. Shared by every workspace's in-memory graph, as one Neo4j database
is; each transaction works on a copy and commits it whole (tests/fakes/identity_graph.py)."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.ports.identity import AlreadyStored


@dataclass
class StoredIdentifier:
    key: str
    ws: str
    type: str
    kid: str
    hash: str
    enc: str
    first_seen: float
    last_seen: float
    generic: bool = False
    blocked: bool = False
    #: The profile its OF edge points at.
    profile: str | None = None


@dataclass
class StoredProfile:
    id: str
    ws: str
    created_at: float
    updated_at: float
    status: str = "active"
    version: int = 1
    golden: str | None = None
    golden_at: float | None = None
    #: The plain `t_<field>` properties of its golden record.
    plain: dict[str, Any] = field(default_factory=dict)
    merged_into: str | None = None
    merged_at: float | None = None
    merge_reason: str | None = None
    #: SPLIT_FROM edges: the profile it came out of -> (at, reason).
    split_from: dict[str, tuple[float, str]] = field(default_factory=dict)


@dataclass
class StoredLink:
    """A LINKED edge, stored from the smaller key to the larger."""

    weight: float
    count: int
    first_seen: float
    last_seen: float
    source: str | None
    followed: bool = False
    refusal: str | None = None
    decided_at: float | None = None


@dataclass
class StoredNever:
    at: float
    by: str
    reason: str


@dataclass
class IdentityState:
    identifiers: dict[str, StoredIdentifier] = field(default_factory=dict)
    profiles: dict[str, StoredProfile] = field(default_factory=dict)
    #: (a, b, rule) -> edge, a < b.
    links: dict[tuple[str, str, str], StoredLink] = field(default_factory=dict)
    #: (a, b) -> NEVER edge from a to b.
    never: dict[tuple[str, str], StoredNever] = field(default_factory=dict)
    #: Event id -> its row (`owner` the identifier its BY edge points at, if stored).
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Identifier keys an erasure suppressed.
    suppressed: set[str] = field(default_factory=set)
    #: Observation key -> its properties (`owner` the identifier it is ON).
    observations: dict[str, dict[str, Any]] = field(default_factory=dict)
    devices: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: (identifier, device) -> SEEN_ON edge.
    seen_on: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    #: Consent id -> its row (`owner` the identifier that GAVE it).
    consents: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Blocked identifiers: key -> (at, by).
    blocked_by: dict[str, tuple[float, str]] = field(default_factory=dict)
    #: Held while a write transaction runs: one commits at a time, whatever the workspace.
    turn: asyncio.Lock = field(default_factory=asyncio.Lock, compare=False, repr=False)

    def copy(self) -> IdentityState:
        """A copy a transaction may change (records it never changes once made are shared)."""
        profiles = {}
        for pid, p in self.profiles.items():
            profiles[pid] = copy.copy(p)
            profiles[pid].plain, profiles[pid].split_from = dict(p.plain), dict(p.split_from)
        return IdentityState(
            identifiers={k: copy.copy(i) for k, i in self.identifiers.items()},
            profiles=profiles,
            links={k: copy.copy(link) for k, link in self.links.items()},
            never=dict(self.never),
            events=dict(self.events),
            suppressed=set(self.suppressed),
            observations={k: dict(o) for k, o in self.observations.items()},
            devices={k: dict(d) for k, d in self.devices.items()},
            seen_on={k: dict(e) for k, e in self.seen_on.items()},
            consents=dict(self.consents),
            blocked_by=dict(self.blocked_by),
            turn=self.turn,
        )

    # Reads a test makes of the committed graph ------------------------------------------------

    def identifier(self, key: str) -> StoredIdentifier:
        return self.identifiers[key]

    def active_profiles(self, ws: str) -> dict[str, set[str]]:
        """Active profile id -> the keys of its identifiers."""
        members: dict[str, set[str]] = {
            p.id: set() for p in self.profiles.values() if p.ws == ws and p.status == "active"
        }
        for i in self.identifiers.values():
            if i.profile is not None and i.profile in members:
                members[i.profile].add(i.key)
        return members

    def members(self, profile: str) -> set[str]:
        return {i.key for i in self.identifiers.values() if i.profile == profile}

    # The graph's walks, as the queries make them ---------------------------------------------

    def linked(self, key: str) -> Iterator[tuple[str, str, str, StoredLink]]:
        """Every LINKED edge of `key`, either way: (a, b, rule, edge)."""
        for (a, b, rule), link in self.links.items():
            if key in (a, b):
                yield a, b, rule, link

    def neighbours(self, key: str) -> set[str]:
        """The keys one LINKED edge away (either way)."""
        return {b if a == key else a for a, b, _, _ in self.linked(key)}

    def never_of(self, key: str) -> Iterator[tuple[str, str, StoredNever]]:
        for (a, b), edge in self.never.items():
            if key in (a, b):
                yield a, b, edge

    def profile_of_key(self, key: str) -> str | None:
        found = self.identifiers.get(key)
        return found.profile if found else None

    def follow_merges(self, profile: StoredProfile) -> StoredProfile:
        """The active profile at the end of its MERGED_INTO lineage (at most 32 steps), or the
        profile itself when no active one is reached."""
        current = profile
        for _ in range(32):
            if current.merged_into is None:
                break
            current = self.profiles[current.merged_into]
            if current.status == "active":
                return current
        return profile


def must_be_new(kind: str, existing: Sequence[str], wanted: Sequence[str]) -> None:
    """A uniqueness constraint: creating what exists fails the transaction."""
    clash = sorted(set(existing) & set(wanted))
    if clash:
        raise AlreadyStored(f"{kind} {clash[0]!r} exists already")
    if len(set(wanted)) != len(wanted):
        raise AlreadyStored(f"{kind} created twice in one statement")
