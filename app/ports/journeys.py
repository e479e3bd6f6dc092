"""What journeys need from storage: their definitions (versioned), their runs
(`app/ports/journey_runs.py`), and what their steps write on profiles.

Definitions are kept as versions: saving writes a new one, runs keep the one they began with,
and each version records who saved it and that caller's role (the rights its steps run with).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from app.ports.definitions import Definitions
from app.ports.identity import IdentityWrites
from app.ports.journey_runs import JourneyRunStore


@dataclass(frozen=True)
class JourneyView:
    """A journey as listed: its current version, and how many runs are in flight."""

    name: str
    description: str
    definition: dict[str, Any]
    version: int
    active: bool
    updated_at: float
    running: int


@dataclass(frozen=True)
class JourneyVersionSpec:
    """A version to save: the definition, and who saved it with which role (None: unknown)."""

    name: str
    description: str
    definition: dict[str, Any]
    by: str | None
    by_role: str | None


@dataclass(frozen=True)
class SavedVersion:
    """One stored version of a journey, as saved."""

    definition: dict[str, Any]
    by: str | None
    by_role: str | None


class JourneyStore(Definitions[JourneyView], Protocol):
    async def save(self, spec: JourneyVersionSpec, at: float) -> int:
        """Store a new version (a new journey starts inactive at version 1); returns it."""

    async def version(self, name: str, version: int) -> SavedVersion | None:
        """One version of a journey, None when it is not stored."""

    async def active_versions(self) -> list[tuple[str, int]]:
        """The active journeys and their current versions, by name."""


@dataclass(frozen=True)
class EmittedEvent:
    """An event a journey step emits, sealed for the identifier that owns it."""

    id: str
    name: str
    at: float
    source: str
    enc: str
    owner: str


@dataclass(frozen=True)
class TagChange:
    """A tag added to (or removed from) a profile by a journey step."""

    profile_id: str
    tag: str
    add: bool = True


class ProfileMarks(Protocol):
    """What journey steps write on profiles besides traits: tags and emitted events."""

    async def change_tags(self, changes: Sequence[TagChange]) -> None:
        """Add and remove tags, in the order given, in one write: all of them or none (a
        merged id reaches its survivor; a profile that is gone is passed over)."""

    async def owners_of(self, profile_ids: Sequence[str]) -> dict[str, str]:
        """For each profile, the key of the identifier that owns its new events (a merged id
        follows its lineage); a profile with no identifier, or unknown, is absent."""

    async def emit_many(self, events: Sequence[EmittedEvent]) -> set[str]:
        """Store each event once (by id), in one write; the ids stored (or found stored). An
        event whose owner no longer has its key (a blind-index rotation re-keyed it since the
        payload was sealed) is not stored and not answered."""


@dataclass(frozen=True)
class JourneyStorage:
    """Everything journeys keep, one workspace's worth."""

    definitions: JourneyStore
    runs: JourneyRunStore
    marks: ProfileMarks
    transactions: IdentityWrites
