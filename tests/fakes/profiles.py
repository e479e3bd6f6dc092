"""Profiles, their identifiers, golden records and observations in memory (the port:
app/ports/profiles.py)."""

from __future__ import annotations

from collections.abc import Sequence

from app.domain.identity import Link, Node
from app.domain.traits import Observation
from app.ports.profiles import (
    GoldenEntry,
    IdentifierRow,
    ProfileView,
    SealedValue,
    TraitEvidence,
)


class InMemoryProfileStore:
    def __init__(self) -> None:
        self.profiles: dict[str, ProfileView] = {}
        self.identifiers: list[IdentifierRow] = []
        #: Events per profile.
        self.events: dict[str, int] = {}
        self.golden: dict[str, dict[str, GoldenEntry]] = {}
        self.values: dict[str, SealedValue] = {}
        #: Observations per profile.
        self.observations: dict[str, list[Observation]] = {}
        #: Followed evidence edges per profile.
        self.links: dict[str, list[Link]] = {}

    def add(self, view: ProfileView) -> None:
        self.profiles[view.id] = view

    async def profile(self, profile_id: str) -> ProfileView | None:
        return self.profiles.get(profile_id)

    async def identifiers_of(self, profile_ids: Sequence[str]) -> list[IdentifierRow]:
        wanted = set(profile_ids)
        return sorted(
            (r for r in self.identifiers if r.profile in wanted),
            key=lambda r: (r.profile, r.type, r.first_seen, r.key),
        )

    async def event_count(self, profile_id: str) -> int:
        return self.events.get(profile_id, 0)

    async def golden_of(self, profile_ids: Sequence[str]) -> dict[str, dict[str, GoldenEntry]]:
        return {pid: dict(self.golden[pid]) for pid in set(profile_ids) if pid in self.golden}

    async def sealed_values(self, keys: Sequence[str]) -> list[SealedValue]:
        return [self.values[k] for k in sorted(set(keys)) if k in self.values]

    async def evidence_of(self, profile_id: str) -> TraitEvidence:
        observations = self.observations.get(profile_id, [])
        if not observations:
            return TraitEvidence()
        members = [
            Node(r.key, r.type, r.first_seen, r.blocked, r.generic)
            for r in await self.identifiers_of([profile_id])
        ]
        return TraitEvidence(
            tuple(observations), tuple(members), tuple(self.links.get(profile_id, []))
        )

    async def active_ids(self, after: str, limit: int) -> list[str]:
        active = sorted(p.id for p in self.profiles.values() if p.status == "active")
        return [pid for pid in active if pid > after][:limit]
