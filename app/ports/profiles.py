"""What reading profiles needs from storage: a profile and its lineage, its identifiers (values
sealed), event counts, golden records, trait observations (with what their bonds are computed
from) and their sealed values."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from app.domain.identity import Link, Node
from app.domain.traits import Observation


@dataclass(frozen=True)
class ProfileView:
    id: str
    status: str
    merged_into: str | None
    created_at: float
    updated_at: float
    version: int


@dataclass(frozen=True)
class IdentifierRow:
    """An identifier of a profile as stored: its value sealed (`enc`, None once erased)."""

    profile: str
    key: str
    type: str
    enc: str | None
    first_seen: float
    last_seen: float
    events: int
    generic: bool
    blocked: bool


@dataclass(frozen=True)
class GoldenEntry:
    """One field of a golden record: the winning value (None when personal: the observation
    holds it sealed) and how it won."""

    vid: str
    value: Any
    personal: bool
    source: str
    at: float
    weight: float
    strategy: str
    observation: str | None
    #: The bond of the winning observation's identifier to the profile (1.0: the anchor, a
    #: manual edit, or a record decided before bonds were kept).
    bond: float = 1.0


@dataclass(frozen=True)
class TraitEvidence:
    """What a profile's golden record is decided from: the observations on its identifiers,
    and the identifiers (`members`) with the evidence edges clustering followed between them
    (`links`), from which each identifier's bond is computed (app.domain.identity.bonds)."""

    observations: tuple[Observation, ...] = ()
    members: tuple[Node, ...] = ()
    links: tuple[Link, ...] = ()


@dataclass(frozen=True)
class SealedValue:
    """An observation's value: JSON text when plain, `enc` (sealed under the data key of the
    identifier `owner`) when personal."""

    key: str
    value: str | None
    enc: str | None
    owner: str


class ProfileStore(Protocol):
    async def profile(self, profile_id: str) -> ProfileView | None:
        """A profile by id; a merged one names the active profile at the end of its lineage."""

    async def identifiers_of(self, profile_ids: Sequence[str]) -> list[IdentifierRow]:
        """The identifiers of these profiles, by profile, type, first sighting and key."""

    async def event_count(self, profile_id: str) -> int:
        """How many events the profile's identifiers carry (0 for an unknown profile)."""

    async def golden_of(self, profile_ids: Sequence[str]) -> dict[str, dict[str, GoldenEntry]]:
        """The golden records of these profiles by field; profiles without one left out."""

    async def sealed_values(self, keys: Sequence[str]) -> list[SealedValue]:
        """The values of these observations; unknown keys left out."""

    async def evidence_of(self, profile_id: str) -> TraitEvidence:
        """Every observation on the profile's identifiers (personal values sealed: None), with
        the identifiers and followed edges their bonds come from (all empty for a profile
        without observations, or an unknown one)."""

    async def active_ids(self, after: str, limit: int) -> list[str]:
        """Ids of active profiles after `after`, in id order, at most `limit`."""
