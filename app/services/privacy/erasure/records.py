"""What an erasure plans, previews and reports: ids, keys, types and counts, never a value."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import orjson

from app.errors import NotFound
from app.ports.erasure import ErasureRecord, RecordedPlan, SubjectCluster, SubjectIdentifier


class LeaseHeld(Exception):
    """Another runner is working on this erasure; try again after its lease."""


@dataclass(frozen=True)
class ErasurePreview:
    profile_id: str
    merged_profiles: int
    identifiers: dict[str, int]  # erased, by type
    shared: dict[str, int]  # unlinked and kept, by type
    events: int
    observations: int
    consents: int


@dataclass(frozen=True)
class ErasureStatus:
    id: str
    status: str  # requested | running | completed | failed
    requested_at: float
    requested_by: str
    reason: str
    started_at: float | None
    completed_at: float | None
    error: str | None
    counts: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of_record(cls, r: ErasureRecord) -> ErasureStatus:
        """A request's status; a receipt's counts are those it was completed with."""
        counts = dict(orjson.loads(r.receipt)["counts"]) if r.receipt else dict(r.counts)
        return cls(
            id=r.id,
            status=r.status,
            requested_at=r.requested_at,
            requested_by=r.requested_by,
            reason=r.reason,
            started_at=r.started_at,
            completed_at=r.completed_at,
            error=r.error,
            counts=counts,
        )


@dataclass(frozen=True)
class ErasurePlan:
    """The subject's profiles, the identifiers to erase and those shared with someone else."""

    profiles: list[str]
    erase: list[SubjectIdentifier]
    shared: list[SubjectIdentifier]
    #: Keys a blind-index rotation re-sealed some of the erased identifiers' events for.
    sealed: list[str] = field(default_factory=list)

    @property
    def erase_keys(self) -> list[str]:
        return [i.key for i in self.erase]

    @property
    def shared_keys(self) -> list[str]:
        return [i.key for i in self.shared]

    def counts(self) -> dict[str, Any]:
        return {
            "identifiers_by_type": dict(Counter(i.type for i in self.erase)),
            "shared_by_type": dict(Counter(i.type for i in self.shared)),
            "merged_profiles": max(0, len(self.profiles) - 1),
        }

    def recorded(self) -> RecordedPlan:
        """The plan as the request keeps it."""
        return RecordedPlan(
            self.profiles, self.erase_keys, self.shared_keys, self.sealed, self.counts()
        )

    @classmethod
    def of_cluster(cls, cluster: SubjectCluster | None) -> ErasurePlan:
        """The plan for the subject's part of the graph."""
        if cluster is None:
            raise NotFound("no profile with that id in this workspace")
        idents = sorted(cluster.identifiers, key=lambda i: i.key)
        return cls(
            profiles=[cluster.profile, *sorted(cluster.merged)],
            erase=[SubjectIdentifier(i.key, i.type) for i in idents if not i.shared],
            shared=[SubjectIdentifier(i.key, i.type, shared=True) for i in idents if i.shared],
            sealed=sorted(cluster.sealed),
        )

    @classmethod
    def of_request(cls, plan: RecordedPlan) -> ErasurePlan:
        """The plan as the request recorded it when it started (types are not kept)."""
        return cls(
            profiles=list(plan.profiles),
            erase=[SubjectIdentifier(k, "") for k in plan.erase_keys],
            shared=[SubjectIdentifier(k, "", shared=True) for k in plan.shared_keys],
            sealed=list(plan.sealed_keys),
        )


def receipt_of(record: ErasureRecord, completed_at: float) -> dict[str, Any]:
    """What is kept of a completed erasure: who asked, why, when, and counts by type."""
    plan_counts = record.plan.counts if record.plan is not None else {}
    return {
        "id": record.id,
        "requested_at": record.requested_at,
        "requested_by": record.requested_by,
        "reason": record.reason,
        "started_at": record.started_at,
        "completed_at": completed_at,
        "counts": dict(record.counts),
        "identifiers_by_type": plan_counts.get("identifiers_by_type", {}),
        "shared_by_type": plan_counts.get("shared_by_type", {}),
    }
