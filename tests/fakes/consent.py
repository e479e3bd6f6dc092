"""Consent purposes and decisions in memory (the port: app/ports/consent.py)."""

from __future__ import annotations

from collections.abc import Sequence

from app.domain.consent import Decision
from app.ports.consent import PurposeSpec, PurposeView


class InMemoryConsentStore:
    def __init__(self) -> None:
        self.specs: dict[str, PurposeSpec] = {}
        #: Decisions by profile, as ingestion or set_consent would have recorded them.
        self.decisions: dict[str, list[Decision]] = {}

    def record(self, profile_id: str, decision: Decision) -> None:
        self.decisions.setdefault(profile_id, []).append(decision)

    async def save_purposes(self, purposes: Sequence[PurposeSpec], at: float) -> None:
        for spec in purposes:
            self.specs[spec.name] = spec

    async def purposes(self) -> list[PurposeView]:
        counts: dict[str, int] = {}
        for decisions in self.decisions.values():
            for d in decisions:
                counts[d.purpose] = counts.get(d.purpose, 0) + 1
        return [
            PurposeView(s.name, s.description, s.default_granted, s.configured, counts.get(n, 0))
            for n, s in sorted(self.specs.items())
        ]

    async def defaults(self) -> dict[str, bool]:
        return {n: s.default_granted for n, s in self.specs.items()}

    async def decisions_of(self, profile_id: str) -> list[Decision]:
        return sorted(self.decisions.get(profile_id, []), key=lambda d: (d.at, d.id))

    async def verdict_inputs_of_many(
        self, profile_ids: Sequence[str], purpose: str
    ) -> tuple[dict[str, list[Decision]], bool | None]:
        found = {
            pid: [d for d in await self.decisions_of(pid) if d.purpose == purpose]
            for pid in sorted(set(profile_ids))
        }
        spec = self.specs.get(purpose)
        default = None if spec is None else spec.default_granted
        return {pid: ds for pid, ds in found.items() if ds}, default

    async def verdict_inputs(
        self, profile_id: str, purpose: str
    ) -> tuple[list[Decision], bool | None]:
        spec = self.specs.get(purpose)
        decisions = [d for d in await self.decisions_of(profile_id) if d.purpose == purpose]
        return decisions, None if spec is None else spec.default_granted
