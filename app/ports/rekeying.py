"""What blind-index rotation needs from storage.

Reads and bookkeeping run on their own; what must happen under the workspace's exclusive
lock (re-sealing, renaming, turning edges round) takes the identity transaction the rotation
holds. Rows read are frozen dataclasses; rows written are passed to the store as they are.
Values never appear here, only their ciphertexts (`enc`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, TypedDict

from app.ports.identity import IdentityTransaction


@dataclass(frozen=True)
class PendingIdentifier:
    """An identifier still keyed under an old kid, with its sealed value."""

    key: str
    type: str
    enc: str


@dataclass(frozen=True)
class SealedEvent:
    """An event of `identifier` (its old key) not yet sealed for the identifier's new key;
    `owner` names the data key that opens it now."""

    id: str
    enc: str
    owner: str
    identifier: str


@dataclass(frozen=True)
class StoredObservation:
    """A trait observation on an identifier: personal values sealed (`enc`), others indexed
    by their value id alone."""

    key: str
    field: str
    vid: str | None
    enc: str | None
    source: str
    first_at: float
    at: float
    count: int
    confidence: float
    event: str | None


@dataclass(frozen=True)
class RenameState:
    """Under the lock, before renaming: whether the identifier is still under its old key,
    whether a node holds its new key already, and what is left to re-seal or re-key."""

    key: str
    present: bool
    taken: bool
    events: list[SealedEvent]
    observations: list[StoredObservation]


class ResealedEvent(TypedDict):
    """An event's payload sealed again, for `owner` (the identifier's new key)."""

    id: str
    enc: str
    owner: str
    identifier: str


class ObservationRekey(TypedDict):
    """An observation moved to its key under the new kid; `keep` false deletes it (the same
    value seen under both kids, merged into the kept one)."""

    old: str
    key: str
    vid: str
    enc: str | None
    count: int
    first_at: float
    at: float
    confidence: float
    event: str | None
    keep: bool


class IdentifierRename(TypedDict):
    """An identifier's move to its key under the current kid, its value sealed anew."""

    key: str
    new_key: str
    kid: str
    hash: str
    enc: str


class RekeyStore(Protocol):
    async def remaining(self, old_kids: Sequence[str]) -> tuple[int, int]:
        """(identifiers under one of `old_kids`, of which set aside)."""

    async def pending(
        self, old_kids: Sequence[str], held: Collection[str], limit: int
    ) -> list[PendingIdentifier]:
        """The next identifiers under an old kid, with their profiles' other old-kid ones,
        by key; those set aside and those in `held` wait."""

    async def held_keys(self) -> set[str]:
        """Identifier keys an unfinished erasure has planned to delete."""

    async def block(self, reasons: Mapping[str, str]) -> None:
        """Set identifiers aside from the rotation, each with its reason (never a value)."""

    async def unblock(self) -> None:
        """Let identifiers set aside by an earlier run be tried again."""

    async def events_to_reseal(self, new_keys: Mapping[str, str], limit: int) -> list[SealedEvent]:
        """A page of events of these identifiers (old key -> new key) not yet sealed for
        the new key."""

    async def settle(self, kid: str, at: float) -> None:
        """Record that every identifier of the workspace is keyed under `kid`."""

    async def settled(self) -> str | None:
        """The kid every identifier is known to be keyed under, if any."""

    async def held_keys_in(self, tx: IdentityTransaction) -> set[str]:
        """`held_keys`, inside the transaction (under its lock)."""

    async def reseal_events(self, tx: IdentityTransaction, rows: Sequence[ResealedEvent]) -> None:
        """Store re-sealed events (the caller holds the exclusive lock)."""

    async def rename_states(
        self, tx: IdentityTransaction, new_keys: Mapping[str, str]
    ) -> list[RenameState]:
        """Each identifier's state before its rename (old key -> new key)."""

    async def rekey_observations(
        self, tx: IdentityTransaction, rows: Sequence[ObservationRekey]
    ) -> None:
        """Move observations to their keys under the new kid (or delete merged ones)."""

    async def rename_identifiers(
        self, tx: IdentityTransaction, rows: Sequence[IdentifierRename]
    ) -> set[str]:
        """Move identifiers to their new keys; returns the ids of their profiles."""

    async def orient_edges(self, tx: IdentityTransaction, keys: Sequence[str]) -> None:
        """Turn round the evidence and NEVER edges of these (renamed) identifiers that now
        run from the larger key to the smaller."""
