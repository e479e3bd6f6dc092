"""What a subject access export reads that no other service gives: the profiles merged into
the subject's, their trait observations with provenance, and their events, sealed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class SubjectObservation:
    """A trait observation on one of the subject's identifiers (the value stays sealed; it is
    opened by its `key`)."""

    key: str
    field: str
    source: str
    first_at: float
    at: float
    count: int
    confidence: float
    event: str | None
    #: The key of the identifier it was observed on.
    identifier: str


@dataclass(frozen=True)
class SealedEvent:
    """One of the subject's events, its payload sealed under the data key of `owner`."""

    id: str
    type: str
    name: str | None
    at: float
    received_at: float
    source: str
    flags: list[str]
    enc: str
    #: The key whose data key sealed the payload (a blind-index rotation may have re-sealed it).
    owner: str
    #: The type of the identifier the event is attached to.
    owner_type: str


class SubjectStore(Protocol):
    async def merged_profiles(self, profile_id: str) -> list[str]:
        """The ids of the profiles merged into the active profile `profile_id` leads to."""

    async def observations(self, profile_id: str) -> list[SubjectObservation]:
        """Every trait observation on the profile's identifiers."""

    async def events(self, profile_id: str, after: str, limit: int) -> list[SealedEvent]:
        """A page of the events of the profile's identifiers with ids after `after`, by id."""
