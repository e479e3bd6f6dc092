"""Erasure requests and suppressions in memory (the port: app/ports/erasure.py,
`ErasureRecordStore`).

Stores made with `in_workspace` share one set of nodes, as two workspaces share one graph. A
method that takes a transaction applies at once: the fake has no transactions to roll back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from app.ports.erasure import (
    COUNTS,
    ErasureRecord,
    RecordedPlan,
    SubjectIdentifier,
    Suppression,
)
from app.ports.identity import IdentityTransaction

UNFINISHED = ("requested", "running")


class NoTransaction:
    """The transaction handed to a fake's methods: it has no queries to run."""

    ws = "ws"

    async def run(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        raise AssertionError(f"a fake store ran the query {name}")


@dataclass
class StoredRequest:
    ws: str
    record: ErasureRecord
    #: The runner holding the lease, if any.
    runner: str | None = None


@dataclass
class Nodes:
    #: Every workspace's requests, by id (ids are unique across workspaces).
    requests: dict[str, StoredRequest] = field(default_factory=dict)
    #: Every workspace's suppressions with their workspace, by key.
    suppressions: dict[str, tuple[str, Suppression]] = field(default_factory=dict)


class InMemoryErasureRecordStore:
    def __init__(self, ws: str = "ws", nodes: Nodes | None = None) -> None:
        self.ws = ws
        self.nodes = Nodes() if nodes is None else nodes

    def in_workspace(self, ws: str) -> InMemoryErasureRecordStore:
        """A store of another workspace over the same nodes."""
        return InMemoryErasureRecordStore(ws, self.nodes)

    def _mine(self, request_id: str) -> StoredRequest | None:
        found = self.nodes.requests.get(request_id)
        return found if found is not None and found.ws == self.ws else None

    def _update(self, request_id: str, **changes: Any) -> None:
        found = self._mine(request_id)
        if found is not None:
            found.record = replace(found.record, **changes)

    async def create(
        self, request_id: str, at: float, by: str, reason: str, profile_id: str
    ) -> None:
        record = ErasureRecord(request_id, "requested", at, by, reason, profile_id=profile_id)
        self.nodes.requests[request_id] = StoredRequest(self.ws, record)

    async def get(self, request_id: str) -> ErasureRecord | None:
        found = self._mine(request_id)
        return found.record if found is not None else None

    def _records(self) -> list[ErasureRecord]:
        return [r.record for r in self.nodes.requests.values() if r.ws == self.ws]

    async def recent(self, limit: int) -> list[ErasureRecord]:
        return sorted(self._records(), key=lambda r: r.requested_at, reverse=True)[:limit]

    async def open(self) -> list[tuple[str, float | None]]:
        unfinished = [r for r in self._records() if r.status in UNFINISHED]
        return [(r.id, r.lease_until) for r in sorted(unfinished, key=lambda r: r.requested_at)]

    async def lease(
        self, request_id: str, runner: str, now: float, until: float
    ) -> ErasureRecord | None:
        found = self._mine(request_id)
        if found is None or found.record.status not in UNFINISHED:
            return None
        expired = found.record.lease_until is not None and found.record.lease_until < now
        if found.runner not in (None, runner) and not expired:
            return None
        found.runner = runner
        found.record = replace(found.record, lease_until=until)
        return found.record

    async def record_start(
        self,
        tx: IdentityTransaction,
        request_id: str,
        at: float,
        plan: RecordedPlan,
        suppress: Sequence[SubjectIdentifier],
    ) -> None:
        found = self._mine(request_id)
        if found is None:
            return
        started = found.record.started_at if found.record.started_at is not None else at
        found.record = replace(found.record, status="running", started_at=started, plan=plan)
        for ident in suppress:
            if ident.key not in self.nodes.suppressions:
                row = Suppression(ident.key, ident.type, at, request_id)
                self.nodes.suppressions[ident.key] = (self.ws, row)
        if suppress:
            self._count(request_id, {"suppressed": len(suppress)})

    def _count(self, request_id: str, counts: Mapping[str, int]) -> None:
        unknown = set(counts) - set(COUNTS)
        assert not unknown, f"no such counter: {sorted(unknown)}"
        found = self._mine(request_id)
        if found is not None:
            self._update(request_id, counts={**found.record.counts, **counts})

    async def mark_step(self, request_id: str, step: str, counts: Mapping[str, int]) -> None:
        found = self._mine(request_id)
        if found is not None:
            self._update(request_id, steps=[*found.record.steps, step])
            self._count(request_id, counts)

    async def mark_step_in(
        self, tx: IdentityTransaction, request_id: str, step: str, counts: Mapping[str, int]
    ) -> None:
        await self.mark_step(request_id, step, counts)

    async def fail(self, request_id: str, error: str, at: float) -> None:
        found = self._mine(request_id)
        if found is not None:
            found.runner = None
            self._update(request_id, status="failed", error=error, lease_until=None)

    async def retry_failed(self) -> list[str]:
        failed = [r for r in self._records() if r.status == "failed"]
        for r in failed:
            self._update(r.id, status="running" if r.plan is not None else "requested")
        return [r.id for r in failed]

    async def complete(self, request_id: str, at: float, receipt: str) -> None:
        found = self._mine(request_id)
        if found is None:
            return
        found.runner = None
        # As the graph does: the plan's keys and ids go, that there was one stays.
        plan = RecordedPlan([], [], [], [], {}) if found.record.plan is not None else None
        self._update(
            request_id,
            status="completed",
            completed_at=at,
            receipt=receipt,
            plan=plan,
            profile_id=None,
            lease_until=None,
            error=None,
        )

    async def ensure_receipt(
        self, request_id: str, completed_at: float, receipt: str, requested_at: float, by: str
    ) -> None:
        if request_id in self.nodes.requests:
            return
        record = ErasureRecord(
            request_id,
            "completed",
            requested_at,
            by,
            "",
            completed_at=completed_at,
            receipt=receipt,
        )
        self.nodes.requests[request_id] = StoredRequest(self.ws, record)

    async def suppressions(self) -> list[Suppression]:
        mine = [s for ws, s in self.nodes.suppressions.values() if ws == self.ws]
        return sorted(mine, key=lambda s: s.key)

    async def ensure_suppressions(self, rows: Sequence[Suppression]) -> None:
        for row in rows:
            self.nodes.suppressions.setdefault(row.key, (self.ws, row))

    async def unsuppress(self, key: str) -> bool:
        found = self.nodes.suppressions.get(key)
        if found is None or found[0] != self.ws:
            return False
        del self.nodes.suppressions[key]
        return True
