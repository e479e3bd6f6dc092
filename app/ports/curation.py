"""What operator actions on the identity graph need from storage beside the identity
transaction: the workspace's identifier keys, page by page (re-resolution walks them all),
and what the rules caught as generic."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from app.domain.identity import IdentityRules


@dataclass(frozen=True)
class GenericIdentifier:
    """An identifier the rules made generic, and the counts that made it (never its value)."""

    key: str
    type: str
    links: int
    #: Links to identifiers of types other than the session types (against generic_degree).
    degree: int
    #: Its session identifiers shared with other values of its type, and those values
    #: (both against generic_rivals, counted up to one past it).
    shared: int
    rivals: int
    profile: str | None
    first_seen: float


class CurationStore(Protocol):
    async def identifier_keys(self, after: str, limit: int) -> list[str]:
        """At most `limit` identifier keys of the workspace greater than `after`, in order."""

    async def generic_identifiers(
        self, limit: int, rules: IdentityRules, unfiled: bool = False
    ) -> list[GenericIdentifier]:
        """The workspace's generic identifiers (`unfiled`: those the review queue has not
        filed), most linked first, counted as `rules` count."""
