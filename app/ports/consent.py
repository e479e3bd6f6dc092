"""What consent needs from storage: purposes and the decisions recorded on identifiers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from app.domain.consent import Decision


@dataclass(frozen=True)
class PurposeView:
    """A purpose as stored, with the number of decisions recorded for it."""

    name: str
    description: str
    default_granted: bool
    configured: bool
    decisions: int


@dataclass(frozen=True)
class PurposeSpec:
    """A purpose to create or update."""

    name: str
    description: str
    default_granted: bool
    configured: bool


class ConsentStore(Protocol):
    async def save_purposes(self, purposes: Sequence[PurposeSpec], at: float) -> None:
        """Create or update purposes: description, default and whether configured."""

    async def purposes(self) -> list[PurposeView]:
        """Every purpose of the workspace, by name."""

    async def defaults(self) -> dict[str, bool]:
        """Each purpose and whether it is granted when nobody decided."""

    async def decisions_of(self, profile_id: str) -> list[Decision]:
        """Every decision on the profile's identifiers, oldest first."""

    async def verdict_inputs_of_many(
        self, profile_ids: Sequence[str], purpose: str
    ) -> tuple[dict[str, list[Decision]], bool | None]:
        """`verdict_inputs` of several profiles in one read: the decisions on the purpose by
        profile (a profile without any is left out), and the purpose's stored default."""

    async def verdict_inputs(
        self, profile_id: str, purpose: str
    ) -> tuple[list[Decision], bool | None]:
        """The profile's decisions on the purpose, and the purpose's stored default (None:
        the purpose is not stored)."""
