"""What operator actions on the identity graph take and answer: a reference to an identifier,
the outcome of a merge, of an unlink or a block, and a component re-resolution would change."""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.identity import NormalisedIdentifier
from app.services.identity.resolution import ReclusterOutcome


@dataclass(frozen=True)
class IdentifierRef:
    """An identifier as an operator names it: by its value (`of`), or by its node key
    (`by_key`: the keyed hash that roles without the right to read personal data see instead
    of the value). As given: `CurationService.target` checks it."""

    type: str | None = None
    value: str | None = None
    key: str | None = None

    @classmethod
    def of(cls, type: str, value: str) -> IdentifierRef:
        return cls(type=type, value=value)

    @classmethod
    def by_key(cls, key: str) -> IdentifierRef:
        return cls(key=key)


@dataclass(frozen=True)
class MergeOutcome:
    """`profile_id` when merged; otherwise `conflict` names the rule that refused it."""

    profile_id: str | None
    merged_ids: tuple[str, ...]
    conflict: str | None


@dataclass(frozen=True)
class ComponentChange:
    """A component whose clusters would change under the current rules (re-resolution)."""

    identifiers: int
    merges: int
    splits: int
    moves: int


#: A checked reference: a normalised value, or a node key.
Target = NormalisedIdentifier | str


@dataclass(frozen=True)
class Curated:
    """What an unlink or a block did: the recomputation, the identifier acted on, and the
    profile it belongs to now."""

    outcome: ReclusterOutcome
    key: str
    profile: str | None
