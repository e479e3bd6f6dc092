"""What erasure needs from storage: its requests (with their leases, steps and receipts) and
suppressions, and the subject's part of the graph to plan and delete.

Ids, keys, types and counts only: nothing here ever holds a personal value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from app.ports.identity import IdentityTransaction

#: The counters a request keeps, by the receipt's names.
COUNTS = (
    "profiles",
    "identifiers",
    "events",
    "observations",
    "consents",
    "stream_messages",
    "dead_letters",
    "data_keys",
    "shared_unlinked",
    "suppressed",
    "audit_redacted",
    "feed_entries",
)

#: What hangs off the subject's identifiers, deleted in batches before them.
Hanging = Literal["events", "observations", "consents"]


@dataclass(frozen=True)
class SubjectIdentifier:
    """An identifier of the subject, by key; `shared` ones (generic, or linked to another
    person's identifier) are unlinked and kept, not erased."""

    key: str
    type: str
    shared: bool = False


@dataclass(frozen=True)
class SubjectCluster:
    """The subject's part of the graph: the active profile, the profiles merged into it, its
    identifiers, and the keys a blind-index rotation re-sealed some of their events for."""

    profile: str
    merged: list[str]
    identifiers: list[SubjectIdentifier]
    sealed: list[str]


@dataclass(frozen=True)
class RecordedPlan:
    """The plan as a request records it when it starts (types are not kept)."""

    profiles: list[str]
    erase_keys: list[str]
    shared_keys: list[str]
    sealed_keys: list[str]
    #: Counts by type and merged profiles, for the receipt.
    counts: dict[str, Any]


@dataclass(frozen=True)
class ErasureRecord:
    """An erasure request, or once completed its receipt."""

    id: str
    status: str  # requested | running | completed | failed
    requested_at: float
    requested_by: str
    reason: str
    started_at: float | None = None
    completed_at: float | None = None
    error: str | None = None
    #: The profile asked for (removed with the plan when the request completes).
    profile_id: str | None = None
    #: The plan, once recorded; its keys and ids are removed when the request completes.
    plan: RecordedPlan | None = None
    #: Steps done, in the order they were.
    steps: list[str] = field(default_factory=list)
    #: Counters by the names in COUNTS, those set so far.
    counts: dict[str, int] = field(default_factory=dict)
    #: The receipt (JSON) of a completed request.
    receipt: str | None = None
    #: When the current runner's lease runs out.
    lease_until: float | None = None


@dataclass(frozen=True)
class Suppression:
    """An erased identifier's key: ingestion drops every message naming it."""

    key: str
    type: str
    at: float
    request: str


class ErasureRecordStore(Protocol):
    async def create(
        self, request_id: str, at: float, by: str, reason: str, profile_id: str
    ) -> None:
        """A new request for a profile, `requested`."""

    async def get(self, request_id: str) -> ErasureRecord | None:
        """One request or receipt of the workspace."""

    async def recent(self, limit: int) -> list[ErasureRecord]:
        """The newest requests and receipts, newest first."""

    async def open(self) -> list[tuple[str, float | None]]:
        """Requests not finished (requested or running), oldest first, each with when its
        runner's lease runs out."""

    async def lease(
        self, request_id: str, runner: str, now: float, until: float
    ) -> ErasureRecord | None:
        """Take or renew the right to run an unfinished request until `until`: one runner at
        a time, a lease that ran out (before `now`) may be taken. None when another runner
        holds it, the request is finished, or there is none."""

    async def record_start(
        self,
        tx: IdentityTransaction,
        request_id: str,
        at: float,
        plan: RecordedPlan,
        suppress: Sequence[SubjectIdentifier],
    ) -> None:
        """In the transaction that locked the subject: the request runs under `plan`, and
        `suppress` is suppressed (counted as `suppressed`); a suppression that exists stays."""

    async def mark_step(self, request_id: str, step: str, counts: Mapping[str, int]) -> None:
        """A step is done, with the counters it set."""

    async def mark_step_in(
        self, tx: IdentityTransaction, request_id: str, step: str, counts: Mapping[str, int]
    ) -> None:
        """`mark_step`, inside the transaction that did the step."""

    async def fail(self, request_id: str, error: str, at: float) -> None:
        """A step failed with an error of this kind; the lease is released."""

    async def retry_failed(self) -> list[str]:
        """Failed requests run again: from their plan if they have one; returns their ids."""

    async def complete(self, request_id: str, at: float, receipt: str) -> None:
        """The request becomes its receipt: the plan and the lease are removed, counts kept."""

    async def ensure_receipt(
        self, request_id: str, completed_at: float, receipt: str, requested_at: float, by: str
    ) -> None:
        """A receipt from the ledger, written unless the request exists (after a restore)."""

    async def suppressions(self) -> list[Suppression]:
        """The workspace's suppressions, by key."""

    async def ensure_suppressions(self, rows: Sequence[Suppression]) -> None:
        """Suppressions from the ledger, written where missing (after a restore)."""

    async def unsuppress(self, key: str) -> bool:
        """Lift the suppression of a key; False when there was none."""


class ErasureGraphStore(Protocol):
    async def cluster(self, profile_id: str) -> SubjectCluster | None:
        """The subject's part of the graph from any of their profile ids (a merged one follows
        its lineage); None when the workspace has no such profile."""

    async def cluster_in(self, tx: IdentityTransaction, profile_id: str) -> SubjectCluster | None:
        """`cluster`, read again inside a transaction that locked the subject."""

    async def hanging(self, keys: Sequence[str]) -> dict[Hanging, int]:
        """How many events, observations and consents hang off the identifiers `keys`."""

    async def delete_hanging(
        self, what: Hanging, request_id: str, keys: Sequence[str], limit: int
    ) -> int:
        """Delete a batch of `what` hanging off the identifiers `keys`, counted on the
        request; returns how many went (0: none left)."""

    async def stray_identifiers(
        self, tx: IdentityTransaction, profiles: Sequence[str], keys: Sequence[str]
    ) -> list[str]:
        """Identifiers on the profiles that are not among `keys` (attached after the plan)."""

    async def delete_cluster(
        self, tx: IdentityTransaction, request_id: str, profiles: Sequence[str], keys: Sequence[str]
    ) -> None:
        """Delete the identifiers `keys` and the profiles (their journey runs, lineage and
        action records with them), counted on the request; other identifiers of the profiles
        lose their profile."""

    async def present(self, keys: Sequence[str]) -> dict[str, str | None]:
        """Which of the identifiers `keys` are in the graph, each with its profile."""
