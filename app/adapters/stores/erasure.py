"""Erasure requests, suppressions and the subject's part of the graph in Neo4j (cypher/erasure/).

A request's counters are properties `c_<name>` of its `(:ErasureRequest)` node; the batched
deletions add to them in the same query that deletes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import orjson

from app.adapters.identity_graph import IdentityGraph
from app.domain.devices import device_key
from app.ports.erasure import (
    COUNTS,
    ErasureRecord,
    Hanging,
    RecordedPlan,
    SubjectCluster,
    SubjectIdentifier,
    Suppression,
)
from app.ports.identity import IdentityTransaction

_DELETE: dict[Hanging, str] = {
    "events": "erasure/delete_events",
    "observations": "erasure/delete_observations",
    "consents": "erasure/delete_consents",
}


def _counters(counts: Mapping[str, int]) -> dict[str, int]:
    return {f"c_{name}": int(n) for name, n in counts.items()}


def _record(node: Mapping[str, Any]) -> ErasureRecord:
    plan = None
    if node.get("planned"):
        plan = RecordedPlan(
            profiles=list(node.get("profile_ids") or []),
            erase_keys=list(node.get("erase_keys") or []),
            shared_keys=list(node.get("shared_keys") or []),
            sealed_keys=list(node.get("sealed_keys") or []),
            counts=orjson.loads(node.get("plan_counts") or "{}"),
        )
    return ErasureRecord(
        id=node["id"],
        status=node["status"],
        requested_at=float(node["requested_at"]),
        requested_by=node.get("requested_by") or "",
        reason=node.get("reason") or "",
        started_at=node.get("started_at"),
        completed_at=node.get("completed_at"),
        error=node.get("error"),
        profile_id=node.get("profile_id"),
        plan=plan,
        steps=list(node.get("steps") or []),
        counts={n: int(node[f"c_{n}"]) for n in COUNTS if node.get(f"c_{n}") is not None},
        receipt=node.get("receipt"),
        lease_until=node.get("lease_until"),
    )


def _cluster(rows: list[dict[str, Any]]) -> SubjectCluster | None:
    if not rows or rows[0]["profile"] is None:
        return None
    row = rows[0]
    return SubjectCluster(
        profile=row["profile"],
        merged=sorted(row["merged"]),
        identifiers=[
            SubjectIdentifier(str(i["key"]), str(i["type"]), bool(i["shared"]))
            for i in sorted(row["identifiers"], key=lambda i: str(i["key"]))
        ],
        sealed=sorted(row["sealed"]),
    )


class Neo4jErasureRecordStore:
    def __init__(self, graph: IdentityGraph) -> None:
        self.graph = graph

    async def create(
        self, request_id: str, at: float, by: str, reason: str, profile_id: str
    ) -> None:
        await self.graph.run_write(
            "erasure/create_request", id=request_id, at=at, by=by, reason=reason, profile=profile_id
        )

    async def get(self, request_id: str) -> ErasureRecord | None:
        rows = await self.graph.read("erasure/request", id=request_id)
        return _record(rows[0]["request"]) if rows else None

    async def recent(self, limit: int) -> list[ErasureRecord]:
        rows = await self.graph.read("erasure/requests", limit=limit)
        return [_record(r["request"]) for r in rows]

    async def open(self) -> list[tuple[str, float | None]]:
        rows = await self.graph.read("erasure/open_requests")
        return [(r["id"], r["lease_until"]) for r in rows]

    async def lease(
        self, request_id: str, runner: str, now: float, until: float
    ) -> ErasureRecord | None:
        rows = await self.graph.run_write(
            "erasure/lease", id=request_id, runner=runner, now=now, until=until
        )
        return _record(rows[0]["request"]) if rows else None

    async def record_start(
        self,
        tx: IdentityTransaction,
        request_id: str,
        at: float,
        plan: RecordedPlan,
        suppress: Sequence[SubjectIdentifier],
    ) -> None:
        await tx.run(
            "erasure/start",
            id=request_id,
            at=at,
            profiles=plan.profiles,
            erase=plan.erase_keys,
            shared=plan.shared_keys,
            sealed=plan.sealed_keys,
            counts=orjson.dumps(plan.counts).decode(),
            suppress=[{"key": i.key, "type": i.type} for i in suppress],
        )

    async def mark_step(self, request_id: str, step: str, counts: Mapping[str, int]) -> None:
        await self.graph.run_write(
            "erasure/mark_step", id=request_id, step=step, counts=_counters(counts)
        )

    async def mark_step_in(
        self, tx: IdentityTransaction, request_id: str, step: str, counts: Mapping[str, int]
    ) -> None:
        await tx.run("erasure/mark_step", id=request_id, step=step, counts=_counters(counts))

    async def fail(self, request_id: str, error: str, at: float) -> None:
        await self.graph.run_write("erasure/fail", id=request_id, error=error, at=at)

    async def retry_failed(self) -> list[str]:
        rows = await self.graph.run_write("erasure/retry_failed")
        return list(rows[0]["ids"]) if rows else []

    async def complete(self, request_id: str, at: float, receipt: str) -> None:
        await self.graph.run_write("erasure/complete", id=request_id, at=at, receipt=receipt)

    async def ensure_receipt(
        self, request_id: str, completed_at: float, receipt: str, requested_at: float, by: str
    ) -> None:
        await self.graph.run_write(
            "erasure/ensure_receipt",
            id=request_id,
            completed_at=completed_at,
            receipt=receipt,
            requested_at=requested_at,
            requested_by=by,
        )

    async def suppressions(self) -> list[Suppression]:
        rows = await self.graph.read("erasure/suppressions")
        return [Suppression(r["key"], r["type"], float(r["at"]), r["request"]) for r in rows]

    async def ensure_suppressions(self, rows: Sequence[Suppression]) -> None:
        if rows:
            await self.graph.run_write(
                "erasure/ensure_suppressions",
                rows=[
                    {"key": s.key, "type": s.type, "at": s.at, "request": s.request} for s in rows
                ],
            )

    async def unsuppress(self, key: str) -> bool:
        rows = await self.graph.run_write("erasure/unsuppress", key=key)
        return bool(rows and int(rows[0]["lifted"]))


class Neo4jErasureGraphStore:
    def __init__(self, graph: IdentityGraph, own_types: Iterable[str] = ("user_id",)) -> None:
        self.graph = graph
        #: Types one profile holds one of (a user id names one account): shared only if generic.
        self.own_types = sorted(own_types)

    async def cluster(self, profile_id: str) -> SubjectCluster | None:
        return _cluster(
            await self.graph.read("erasure/cluster", id=profile_id, own_types=self.own_types)
        )

    async def cluster_in(self, tx: IdentityTransaction, profile_id: str) -> SubjectCluster | None:
        return _cluster(await tx.run("erasure/cluster", id=profile_id, own_types=self.own_types))

    async def hanging(self, keys: Sequence[str]) -> dict[Hanging, int]:
        rows = await self.graph.read("erasure/preview_counts", keys=list(keys))
        found = rows[0] if rows else {}
        return {what: int(found.get(what) or 0) for what in _DELETE}

    async def delete_hanging(
        self, what: Hanging, request_id: str, keys: Sequence[str], limit: int
    ) -> int:
        rows = await self.graph.run_write(
            _DELETE[what], id=request_id, keys=list(keys), limit=limit
        )
        return int(rows[0]["deleted"]) if rows else 0

    async def stray_identifiers(
        self, tx: IdentityTransaction, profiles: Sequence[str], keys: Sequence[str]
    ) -> list[str]:
        rows = await tx.run("erasure/stray_identifiers", profiles=list(profiles), keys=list(keys))
        return list(rows[0]["keys"]) if rows else []

    async def delete_cluster(
        self, tx: IdentityTransaction, request_id: str, profiles: Sequence[str], keys: Sequence[str]
    ) -> None:
        # Erasure owns its deletion path: the journeys' records of the subject go with it.
        await tx.run("journeys/erase_runs", profiles=list(profiles))
        await tx.run(
            "erasure/delete_cluster",
            id=request_id,
            keys=list(keys),
            profiles=list(profiles),
            devices=[device_key(k) for k in keys],
        )

    async def present(self, keys: Sequence[str]) -> dict[str, str | None]:
        if not keys:
            return {}
        rows = await self.graph.read("erasure/suppressed_present", keys=list(keys))
        return {r["key"]: r["profile"] for r in rows}
