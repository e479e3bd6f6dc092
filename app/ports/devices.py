"""What reading devices needs from storage: the devices seen on profiles' identifiers (written
by ingestion, in its own transaction)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from app.domain.devices import Fact

DeviceKind = Literal["device", "browser"]


@dataclass(frozen=True)
class DeviceRow:
    """A device seen on one of a profile's identifiers: plain facts only (nothing personal)."""

    profile: str
    key: str
    kind: DeviceKind
    first_seen: float
    last_seen: float
    #: Events that came from it.
    events: int
    #: Profiles whose identifiers were seen on it (more than one: a shared device).
    profiles: int
    facts: Mapping[str, Fact] = field(default_factory=dict)


class DeviceStore(Protocol):
    async def devices_of(self, profile_ids: Sequence[str]) -> list[DeviceRow]:
        """The devices of these profiles, newest first within each."""
        ...
