"""The identity transaction as the stores see it.

A store whose queries must run inside an identity-writing transaction (under its locks: segment
memberships, journey steps, erasure, re-keying) takes that transaction as an argument; the
Neo4j `IdentityTx` satisfies this protocol.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol, TypeVar

from app.domain.identity import IdentityRules, Link
from app.ports import identity_rows as shape
from app.ports.components import ComponentSnapshot
from app.ports.profiles import TraitEvidence

T = TypeVar("T")


class ComponentMoving(Exception):
    """The profiles a transaction reaches kept changing while it locked them."""


class AlreadyStored(Exception):
    """A write met a uniqueness constraint: something it creates exists already (a replayed
    event, or one a writer beside it stored first). The transaction was rolled back."""


class IdentityTransaction(Protocol):
    #: The workspace the transaction writes in.
    ws: str

    async def run(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        """A named query inside the transaction, with its `$ws` (stores only)."""
        ...


class IdentityWrites(Protocol):
    async def write(self, work: Callable[[IdentityTransaction], Awaitable[T]]) -> T:
        """Run `work` in one identity-writing transaction (run again on a transient failure)."""
        ...


class IdentityTx(IdentityTransaction, Protocol):
    """The queries of one identity transaction, as the identity services use them (the Neo4j
    `IdentityTx` in app/adapters/identity_graph.py implements them)."""

    #: The profiles this transaction has locked (or created) so far.
    locked: set[str]

    async def lock(self, at: float) -> None:
        """Shared mode: one stripe of the workspace (other writers run side by side)."""
        ...

    async def lock_exclusive(self, at: float) -> None:
        """Exclusive mode: every stripe, so no other identity writer of the workspace runs."""
        ...

    async def lock_profiles(self, ids: Iterable[str]) -> None:
        """Lock these profiles (before reading what will be decided from them)."""
        ...

    async def lock_profiles_of(self, keys: Iterable[str], ids: Iterable[str] = ()) -> None:
        """Lock the profiles the identifiers in `keys` belong to, and the profiles `ids`.

        One query finds the profiles, locks them in id order and reads the identifiers'
        profiles again; an identifier moved meanwhile (by a writer that held its old profile)
        is followed to its new profile, locked in a further round, until nothing moves."""
        ...

    async def batch_state(
        self, ids: Sequence[str], keys: Sequence[str], identifiers: Sequence[str] = ()
    ) -> tuple[set[str], set[str], set[str]]:
        """(event ids already stored, identifier keys suppressed by an erasure, and which of
        `identifiers` are stored identifier nodes)."""
        ...

    async def claim_identifiers(self, rows: Sequence[shape.ClaimedIdentifierRow]) -> set[str]:
        """Create the identifiers of decided components (rows in key order, each with its
        `generic` flag), waiting for a writer beside this one creating the same; returns the
        keys that were stored by another writer instead (taken)."""
        ...

    async def attach_identifiers(self, rows: Sequence[shape.PlacedIdentifierRow]) -> None:
        """Attach claimed identifiers to their row's `profile` (created already)."""
        ...

    async def merge_identifiers(
        self, rows: Sequence[shape.IdentifierRow]
    ) -> tuple[set[str], set[str]]:
        """Upsert; returns the keys new or now first seen earlier, and the profiles the
        upserted identifiers belong to."""
        ...

    async def create_evidence(self, rows: Sequence[shape.LinkRow], at: float) -> None:
        """Create the (new) edges of decided components with their state (`followed`,
        `refusal`), decided at `at`."""
        ...

    async def merge_evidence(self, rows: Sequence[shape.EvidenceRow]) -> set[str]:
        """Upsert; returns the ends of edges whose change can move a cluster.

        Each row says whether it is late-binding (`late`): then its count matters too."""
        ...

    async def create_events(self, rows: Sequence[shape.EventRow]) -> None: ...

    async def present_identifiers(self, keys: Sequence[str]) -> set[str]:
        """The keys that are stored identifier nodes."""
        ...

    async def find_identifiers(self, keys: Sequence[str]) -> list[shape.FoundIdentifier]: ...

    async def successions_of(
        self, keys: Sequence[str], rules: Sequence[str]
    ) -> list[shape.SuccessionRow]:
        """Of these keys, the stored anonymous ids' evidence under a successor rule (`rules`)
        with user ids: an alias whose previousId was read as an anonymous id, because no user
        id of that value was stored when it came."""
        ...

    async def identifier_by_key(self, key: str) -> shape.FoundIdentifier | None:
        """This workspace's identifier with that node key (another workspace's is unknown)."""
        ...

    async def load_locked_component(
        self, seeds: Iterable[str], rules: IdentityRules, max_nodes: int
    ) -> ComponentSnapshot:
        """The seeds' component with every profile it holds locked: loaded, its missing
        profiles locked, loaded again until it holds no profile this transaction has not
        locked (usually once: the batch's own profiles were locked first)."""
        ...

    async def load_component(
        self, seeds: Iterable[str], rules: IdentityRules, max_nodes: int
    ) -> ComponentSnapshot:
        """The seeds' evidence component, not walked through generic or blocked identifiers,
        found by this transaction's traversal: a breadth-first loop (one query per hop) or
        one Cypher traversal; both give the same snapshot (docs/identity.md, section 9)."""
        ...

    async def set_link_states(self, rows: Sequence[shape.LinkStateRow], at: float) -> None: ...

    async def set_generic(self, rows: Sequence[shape.GenericRow]) -> None: ...

    async def create_profiles(
        self,
        ids: Sequence[str],
        at: float,
        golden: Mapping[str, shape.GoldenRow] | None = None,
    ) -> None:
        """New active profiles; those in `golden` (id -> golden record row, as
        GoldenRecords.records makes them) are created with their record."""
        ...

    async def move_identifiers(self, rows: Sequence[shape.MoveRow]) -> None: ...

    async def merge_profiles(self, rows: Sequence[shape.MergeRow], at: float) -> None: ...

    async def record_splits(self, rows: Sequence[shape.SplitRow], at: float) -> None: ...

    async def touch_profiles(self, ids: Sequence[str], at: float) -> None: ...

    async def add_never(
        self, pairs: Sequence[tuple[str, str]], at: float, by: str, reason: str
    ) -> None: ...

    async def remove_never(self, pairs: Sequence[tuple[str, str]]) -> int: ...

    async def remove_never_of(self, key: str) -> int: ...

    async def profile_representatives(self, ids: Sequence[str]) -> list[shape.Representative]: ...

    async def locked_representatives(self, ids: Sequence[str]) -> list[shape.Representative]:
        """`profile_representatives` with the active profiles locked, read again under the
        locks until no active profile changes (a merge that committed meanwhile)."""
        ...

    async def create_observations(self, rows: Sequence[shape.ObservationRow]) -> None:
        """Create the observations of identifiers this transaction created."""
        ...

    async def merge_observations(self, rows: Sequence[shape.ObservationRow]) -> set[str]:
        """Upsert trait observations; returns the profiles they now belong to."""
        ...

    async def profile_evidence(self, profile_ids: Sequence[str]) -> dict[str, TraitEvidence]:
        """The observations and identifiers of each of these profiles that has observations
        (their links left out: `profile_links`)."""
        ...

    async def profile_links(self, profile_ids: Sequence[str]) -> dict[str, tuple[Link, ...]]:
        """The followed evidence edges between the identifiers of each of these profiles."""
        ...

    async def record_sightings(
        self, devices: Sequence[Mapping[str, Any]], seen: Sequence[Mapping[str, Any]]
    ) -> None:
        """Upsert a batch's devices, then the SEEN_ON edges to them (rows in key order)."""
        ...

    async def set_golden(self, rows: Sequence[shape.GoldenRow], at: float) -> dict[str, str | None]:
        """Write golden records; returns each profile's previous record (JSON, or None)."""
        ...

    async def record_consents(self, rows: Sequence[shape.ConsentRow]) -> tuple[int, set[str]]:
        """Store consent decisions; returns how many were new and the profiles they touch."""
        ...

    async def set_blocked(self, key: str, blocked: bool, at: float, by: str) -> bool: ...


class IdentityGraphPort(Protocol):
    """Runs identity transactions of one workspace (the Neo4j `IdentityGraph`)."""

    ws: str

    async def write(self, work: Callable[[IdentityTx], Awaitable[T]]) -> T:
        """`work` in one identity-writing transaction, run again on a transient failure."""
        ...

    async def read_tx(self, work: Callable[[IdentityTx], Awaitable[T]]) -> T:
        """`work` in a read transaction with the same queries (explanations, dry runs)."""
        ...
