"""Erasure of a data subject: preview, a resumable job, suppression, a receipt without PII.

An erasure deletes the subject's part of the graph (profiles including merged ones,
identifiers, events, trait observations, consents), removes their messages still waiting in
the stream and the dead-letter stream, destroys the data keys of their identifiers, and
suppresses their identifiers' keyed hashes so late events naming them are dropped. An
identifier shared with someone else (a family device, a generic identifier) is unlinked and
re-resolved instead. The steps (`steps.py`) are idempotent and recorded on the request, so a
worker that dies half-way is replaced by another that finishes the job. See docs/privacy.md.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import orjson

from app.adapters.identity_graph import IdentityGraph, IdentityTx
from app.adapters.valkey.stream import EventStream
from app.domain.identity import IdentityRules
from app.domain.messages import TrackedMessage
from app.errors import Conflict, NotFound
from app.privacy.ledger import PrivacyLedger, Suppressed
from app.services.changes.notices import ProfileNotifier
from app.services.identity.curation import CurationService
from app.services.identity.keys import Sealer
from app.services.privacy.audit import AuditLog
from app.services.privacy.erasure.records import (
    ErasurePlan,
    ErasurePreview,
    ErasureStatus,
    LeaseHeld,
    counts_of,
)
from app.services.privacy.erasure.steps import ErasureJob, ErasureSteps
from app.services.profiles.traits import GoldenRecords

log = logging.getLogger(__name__)

#: Plans made again when a concurrent blind-index rotation re-keys the subject meanwhile.
PLAN_ATTEMPTS = 5


class ErasureService:
    def __init__(
        self,
        graph: IdentityGraph,
        curation: CurationService,
        sealer: Sealer,
        stream: EventStream,
        ledger: PrivacyLedger,
        audit: AuditLog,
        golden: GoldenRecords,
        rules: IdentityRules,
        message_keys: Callable[[TrackedMessage], set[str]],
        notifier: ProfileNotifier | None = None,
        *,
        forward: Callable[[list[str], str], Awaitable[int]] | None = None,
        batch_size: int = 1000,
        lease_seconds: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.graph = graph
        self.curation = curation
        self.sealer = sealer
        self.stream = stream
        self.ledger = ledger
        self.audit = audit
        self.lease_seconds = lease_seconds
        self.clock = clock
        self.process = f"{socket.gethostname()}:{os.getpid()}"
        self.steps = ErasureSteps(
            graph,
            sealer,
            stream,
            audit,
            golden,
            rules,
            message_keys,
            notifier,
            forward,
            batch_size,
            clock,
        )

    # -- asking ------------------------------------------------------------------------------

    async def _profile_of(self, type: str, value: str) -> str:
        found = await self.curation.find(type, value)
        if found is None or found["profile"] is None:
            raise NotFound(f"no {type} identifier with that value in this workspace")
        return str(found["profile"])

    async def _plan(self, profile_id: str) -> ErasurePlan:
        return ErasurePlan.of_rows(await self.graph.read("erasure/cluster", id=profile_id))

    async def preview(self, type: str, value: str) -> ErasurePreview:
        """What an erasure would delete, and what it would only unlink; changes nothing."""
        plan = await self._plan(await self._profile_of(type, value))
        found = await self.graph.read("erasure/preview_counts", keys=plan.erase_keys)
        counts = found[0] if found else {}
        summary = plan.counts()
        return ErasurePreview(
            profile_id=plan.profiles[0],
            merged_profiles=summary["merged_profiles"],
            identifiers=summary["identifiers_by_type"],
            shared=summary["shared_by_type"],
            events=int(counts.get("events") or 0),
            observations=int(counts.get("observations") or 0),
            consents=int(counts.get("consents") or 0),
        )

    async def request(
        self,
        type: str,
        value: str,
        by: str,
        reason: str,
        enqueue: Callable[[str], Awaitable[None]],
    ) -> ErasureStatus:
        """Record a request (no personal value in it) and hand it to a worker."""
        return await self.request_profile(await self._profile_of(type, value), by, reason, enqueue)

    async def request_profile(
        self, profile_id: str, by: str, reason: str, enqueue: Callable[[str], Awaitable[None]]
    ) -> ErasureStatus:
        request_id = str(uuid.uuid4())
        await self.graph.run_write(
            "erasure/create_request",
            id=request_id,
            at=self.clock(),
            by=by,
            reason=reason[:500],
            profile=profile_id,
        )
        await self.audit.record(by, "erasure.requested", request_id)
        await enqueue(request_id)
        status = await self.status(request_id)
        assert status is not None
        return status

    async def status(self, request_id: str) -> ErasureStatus | None:
        rows = await self.graph.read("erasure/request", id=request_id)
        return ErasureStatus.from_node(rows[0]["request"]) if rows else None

    async def recent(self, limit: int = 50) -> list[ErasureStatus]:
        rows = await self.graph.read("erasure/requests", limit=max(1, min(limit, 500)))
        return [ErasureStatus.from_node(r["request"]) for r in rows]

    async def open_requests(self) -> list[tuple[str, float]]:
        """Unfinished erasures, each with how long (s) its current runner's claim still lasts."""
        now = self.clock()
        rows = await self.graph.read("erasure/open_requests")
        return [(r["id"], max(0.0, float(r["lease_until"] or 0.0) - now)) for r in rows]

    async def retry_failed(self) -> list[str]:
        rows = await self.graph.run_write("erasure/retry_failed")
        return list(rows[0]["ids"]) if rows else []

    # -- running -----------------------------------------------------------------------------

    async def _lease(self, request_id: str, runner: str) -> dict[str, Any] | None:
        now = self.clock()
        rows = await self.graph.run_write(
            "erasure/lease",
            id=request_id,
            runner=runner,
            now=now,
            until=now + self.lease_seconds,
        )
        return dict(rows[0]["request"]) if rows else None

    async def run(self, request_id: str) -> ErasureStatus:
        """Carry an erasure to its end from wherever it stopped. Raises LeaseHeld while another
        runner holds it, NotFound for an unknown id."""
        # Each run is its own runner, even two in one process.
        runner = f"{self.process}:{uuid.uuid4().hex[:12]}"
        request = await self._lease(request_id, runner)
        if request is None:
            current = await self.status(request_id)
            if current is None:
                raise NotFound("no erasure request with that id")
            if current.status in ("completed", "failed"):
                return current
            raise LeaseHeld(request_id)
        try:
            await self._run_steps(request_id, runner, request)
        except LeaseHeld:
            raise
        except Exception as exc:
            log.exception("erasure step failed", extra={"erasure": request_id})
            await self.graph.run_write(
                "erasure/fail", id=request_id, error=type(exc).__name__, at=self.clock()
            )
            raise
        final = await self.status(request_id)
        assert final is not None
        return final

    async def _run_steps(self, request_id: str, runner: str, request: dict[str, Any]) -> None:
        if request.get("planned"):
            plan = ErasurePlan.of_request(request)
        else:
            plan = await self.start(request_id, str(request["profile_id"]))

        async def renew() -> None:
            if await self._lease(request_id, runner) is None:
                raise LeaseHeld(request_id)

        async def mark(step: str, counts: Mapping[str, int]) -> None:
            await self.graph.run_write("erasure/mark_step", id=request_id, step=step, counts=counts)

        job = ErasureJob(request_id, plan, renew, mark)
        done = set(request.get("steps") or [])
        for name, step in self.steps.in_order():
            if name not in done:
                await step(job)
        await self._complete(request_id)

    async def start(self, request_id: str, profile_id: str) -> ErasurePlan:
        """Plan and suppress, in the ledger first and then in the graph, the subject's profiles
        locked.

        The plan is read again under the locks: should a writer have added to the subject or a
        blind-index rotation re-keyed one of their identifiers in between, it is made again."""
        for _ in range(PLAN_ATTEMPTS):
            plan = await self._plan(profile_id)
            now = self.clock()
            await asyncio.to_thread(
                self.ledger.suppress,
                self.graph.ws,
                [Suppressed(i["key"], i["type"], now, request_id) for i in plan.erase],
            )

            async def work(tx: IdentityTx, plan: ErasurePlan = plan, now: float = now) -> bool:
                return await self._record_start(tx, request_id, profile_id, plan, now)

            if await self.graph.write(work):
                return plan
        raise Conflict(
            f"the subject's identifiers kept changing while erasure {request_id} was planned;"
            " it is retried"
        )

    async def _record_start(
        self, tx: IdentityTx, request_id: str, profile_id: str, plan: ErasurePlan, now: float
    ) -> bool:
        await tx.lock(now)
        # The subject's profiles locked, then the plan read again: a writer that added to
        # them meanwhile committed first, and the plan is made again.
        await tx.lock_profiles_of([*plan.erase_keys, *plan.shared_keys], plan.profiles)
        if ErasurePlan.of_rows(await tx.run("erasure/cluster", id=profile_id)) != plan:
            return False
        await tx.run(
            "erasure/start",
            id=request_id,
            at=now,
            profiles=plan.profiles,
            erase=plan.erase_keys,
            shared=plan.shared_keys,
            sealed=plan.sealed,
            counts=orjson.dumps(plan.counts()).decode(),
            suppress=plan.erase,
        )
        return True

    async def _complete(self, request_id: str) -> None:
        rows = await self.graph.read("erasure/request", id=request_id)
        node = rows[0]["request"]
        counts = counts_of(node)
        plan_counts = orjson.loads(node.get("plan_counts") or "{}")
        now = self.clock()
        receipt = {
            "id": request_id,
            "requested_at": node["requested_at"],
            "requested_by": node.get("requested_by"),
            "reason": node.get("reason") or "",
            "started_at": node.get("started_at"),
            "completed_at": now,
            "counts": counts,
            "identifiers_by_type": plan_counts.get("identifiers_by_type", {}),
            "shared_by_type": plan_counts.get("shared_by_type", {}),
        }
        body = orjson.dumps(receipt, option=orjson.OPT_SORT_KEYS).decode()
        await asyncio.to_thread(self.ledger.record_receipt, self.graph.ws, request_id, now, body)
        await self.graph.run_write("erasure/complete", id=request_id, at=now, receipt=body)
        await self.audit.record(
            node.get("requested_by") or "?", "erasure.completed", request_id, counts
        )
        # Deleted stream entries stay in Valkey's append-only file until it is rewritten.
        await self.stream.compact_log()

    # -- suppression and restores ------------------------------------------------------------

    async def suppressions(self) -> int:
        return len(await self.graph.read("erasure/suppressions"))

    async def unsuppress(self, type: str, value: str, by: str) -> bool:
        """Lift the suppression of an identifier (the person came back and consented)."""
        ident = self.curation.normalised(type, value)
        keys = self.sealer.candidate_keys(ident)
        lifted = 0
        for key in keys:
            rows = await self.graph.run_write("erasure/unsuppress", key=key)
            lifted += int(rows[0]["lifted"]) if rows else 0
        await asyncio.to_thread(self.ledger.unsuppress, keys)
        if lifted:
            await self.audit.record(by, "suppression.lifted", None, {"type": ident.type})
        return lifted > 0

    async def reapply(self, by: str, enqueue: Callable[[str], Awaitable[None]]) -> dict[str, int]:
        """After restoring a graph backup: put back the ledger's suppressions and receipts,
        erase again whatever the backup brought back, destroy any restored data keys."""
        ws = self.graph.ws
        suppressed = await asyncio.to_thread(self.ledger.suppressions, ws)
        rows = [
            {"key": s.key, "type": s.type, "at": s.at, "request": s.request} for s in suppressed
        ]
        for start in range(0, len(rows), 1000):
            await self.graph.run_write(
                "erasure/ensure_suppressions", rows=rows[start : start + 1000]
            )
        receipts = await asyncio.to_thread(self.ledger.receipts, ws)
        for receipt_id, completed_at, body in receipts:
            data = orjson.loads(body)
            await self.graph.run_write(
                "erasure/ensure_receipt",
                id=receipt_id,
                completed_at=completed_at,
                receipt=body,
                requested_at=data.get("requested_at") or completed_at,
                requested_by=data.get("requested_by") or "",
            )
        keys = [s.key for s in suppressed]
        present = await self.graph.read("erasure/suppressed_present", keys=keys) if keys else []
        profiles = sorted({r["profile"] for r in present if r["profile"]})
        for profile_id in profiles:
            await self.request_profile(profile_id, by, "reapplied after a restore", enqueue)
        destroyed = await self.sealer.forget(keys) if keys else 0
        await self.audit.record(
            by,
            "erasure.reapplied",
            None,
            {"suppressions": len(rows), "receipts": len(receipts), "erasures": len(profiles)},
        )
        return {
            "suppressions": len(rows),
            "receipts": len(receipts),
            "erasures_started": len(profiles),
            "data_keys_destroyed": destroyed,
        }
