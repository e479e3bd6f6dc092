"""What operator actions on the identity graph need from storage beside the identity
transaction: the workspace's identifier keys, page by page (re-resolution walks them all),
and what the rules caught as generic."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class GenericIdentifier:
    """An identifier the rules made generic, and the counts that made it (never its value)."""

    key: str
    type: str
    links: int
    #: Links to identifiers of types other than the session types (against generic_degree).
    degree: int
    #: Other values of its type sharing its session identifiers (against generic_rivals).
    rivals: int
    profile: str | None
    first_seen: float


class CurationStore(Protocol):
    async def identifier_keys(self, after: str, limit: int) -> list[str]:
        """At most `limit` identifier keys of the workspace greater than `after`, in order."""

    async def generic_identifiers(
        self, limit: int, parameters: dict[str, object]
    ) -> list[GenericIdentifier]:
        """The workspace's generic identifiers, most linked first; `parameters` are the
        rules' thresholds as the component queries take them."""
