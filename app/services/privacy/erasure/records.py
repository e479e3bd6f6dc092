"""What an erasure plans, previews and reports: ids, keys, types and counts, never a value."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from app.errors import NotFound

#: The request's counters, as stored on it (`c_` + the receipt's name).
COUNTERS = (
    "c_profiles",
    "c_identifiers",
    "c_events",
    "c_observations",
    "c_consents",
    "c_stream_messages",
    "c_dead_letters",
    "c_data_keys",
    "c_shared_unlinked",
    "c_suppressed",
    "c_audit_redacted",
    "c_feed_entries",
)


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


def counts_of(node: Mapping[str, Any]) -> dict[str, int]:
    """The counters a request node holds, by the receipt's names."""
    return {k[2:]: int(node[k]) for k in COUNTERS if node.get(k) is not None}


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
    def from_node(cls, r: Mapping[str, Any]) -> ErasureStatus:
        receipt = r.get("receipt")
        counts = dict(orjson.loads(receipt)["counts"]) if receipt else counts_of(r)
        return cls(
            id=r["id"],
            status=r["status"],
            requested_at=float(r["requested_at"]),
            requested_by=r.get("requested_by") or "",
            reason=r.get("reason") or "",
            started_at=r.get("started_at"),
            completed_at=r.get("completed_at"),
            error=r.get("error"),
            counts=counts,
        )


@dataclass(frozen=True)
class ErasurePlan:
    """The subject's profiles, the identifiers to erase and those shared with someone else."""

    profiles: list[str]
    erase: list[dict[str, str]]  # {key, type}
    shared: list[dict[str, str]]
    #: Keys a blind-index rotation re-sealed some of the erased identifiers' events for.
    sealed: list[str] = field(default_factory=list)

    @property
    def erase_keys(self) -> list[str]:
        return [i["key"] for i in self.erase]

    @property
    def shared_keys(self) -> list[str]:
        return [i["key"] for i in self.shared]

    def counts(self) -> dict[str, Any]:
        return {
            "identifiers_by_type": dict(Counter(i["type"] for i in self.erase)),
            "shared_by_type": dict(Counter(i["type"] for i in self.shared)),
            "merged_profiles": max(0, len(self.profiles) - 1),
        }

    @classmethod
    def of_rows(cls, rows: list[dict[str, Any]]) -> ErasurePlan:
        """The plan from `erasure/cluster`'s row."""
        if not rows or rows[0]["profile"] is None:
            raise NotFound("no profile with that id in this workspace")
        row = rows[0]
        idents = sorted(row["identifiers"], key=lambda i: str(i["key"]))
        return cls(
            profiles=[row["profile"], *sorted(row["merged"])],
            erase=[{"key": i["key"], "type": i["type"]} for i in idents if not i["shared"]],
            shared=[{"key": i["key"], "type": i["type"]} for i in idents if i["shared"]],
            sealed=sorted(row["sealed"]),
        )

    @classmethod
    def of_request(cls, request: Mapping[str, Any]) -> ErasurePlan:
        """The plan as the request recorded it when it started (types are not kept)."""
        return cls(
            profiles=list(request.get("profile_ids") or []),
            erase=[{"key": k, "type": ""} for k in request.get("erase_keys") or []],
            shared=[{"key": k, "type": ""} for k in request.get("shared_keys") or []],
            sealed=list(request.get("sealed_keys") or []),
        )
