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
import time
import uuid
from collections.abc import Awaitable, Callable

import orjson

from app.domain.identity import IdentityRules
from app.domain.messages import TrackedMessage
from app.errors import Conflict, NotFound
from app.ports.erasure import ErasureGraphStore, ErasureRecordStore, Suppression
from app.ports.identity import IdentityGraphPort, IdentityTx
from app.ports.stream import StreamPurge
from app.privacy.ledger import PrivacyLedger, Suppressed
from app.services.changes.notices import ProfileNotifier
from app.services.identity.curation import CurationService
from app.services.identity.keys import Sealer
from app.services.privacy.audit import AuditLog
from app.services.privacy.erasure.records import (
    ErasurePlan,
    ErasurePreview,
    ErasureStatus,
    receipt_of,
)
from app.services.privacy.erasure.runner import ErasureRunner
from app.services.privacy.erasure.steps import ErasureSteps
from app.services.profiles.traits import GoldenRecords

#: Plans made again when a concurrent blind-index rotation re-keys the subject meanwhile.
PLAN_ATTEMPTS = 5


class ErasureService:
    def __init__(
        self,
        graph: IdentityGraphPort,
        records: ErasureRecordStore,
        subjects: ErasureGraphStore,
        curation: CurationService,
        sealer: Sealer,
        stream: StreamPurge,
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
        self.records = records
        self.subjects = subjects
        self.curation = curation
        self.sealer = sealer
        self.stream = stream
        self.ledger = ledger
        self.audit = audit
        self.clock = clock
        self.steps = ErasureSteps(
            graph,
            subjects,
            records,
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
        self.runner = ErasureRunner(
            records, self.steps.in_order(), self.start, self._complete, lease_seconds, clock
        )

    # -- asking ------------------------------------------------------------------------------

    async def _profile_of(self, type: str, value: str) -> str:
        found = await self.curation.find(type, value)
        if found is None or found["profile"] is None:
            raise NotFound(f"no {type} identifier with that value in this workspace")
        return str(found["profile"])

    async def _plan(self, profile_id: str) -> ErasurePlan:
        return ErasurePlan.of_cluster(await self.subjects.cluster(profile_id))

    async def preview(self, type: str, value: str) -> ErasurePreview:
        """What an erasure would delete, and what it would only unlink; changes nothing."""
        plan = await self._plan(await self._profile_of(type, value))
        counts = await self.subjects.hanging(plan.erase_keys)
        summary = plan.counts()
        return ErasurePreview(
            profile_id=plan.profiles[0],
            merged_profiles=summary["merged_profiles"],
            identifiers=summary["identifiers_by_type"],
            shared=summary["shared_by_type"],
            events=counts["events"],
            observations=counts["observations"],
            consents=counts["consents"],
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
        await self.records.create(request_id, self.clock(), by, reason[:500], profile_id)
        await self.audit.record(by, "erasure.requested", request_id)
        await enqueue(request_id)
        status = await self.status(request_id)
        assert status is not None
        return status

    async def status(self, request_id: str) -> ErasureStatus | None:
        return await self.runner.status(request_id)

    async def recent(self, limit: int = 50) -> list[ErasureStatus]:
        records = await self.records.recent(max(1, min(limit, 500)))
        return [ErasureStatus.of_record(r) for r in records]

    async def open_requests(self) -> list[tuple[str, float]]:
        """Unfinished erasures, each with how long (s) its current runner's claim still lasts."""
        now = self.clock()
        return [(i, max(0.0, (until or 0.0) - now)) for i, until in await self.records.open()]

    async def retry_failed(self) -> list[str]:
        return await self.records.retry_failed()

    # -- running -----------------------------------------------------------------------------

    async def run(self, request_id: str) -> ErasureStatus:
        """Carry an erasure to its end from wherever it stopped. Raises LeaseHeld while another
        runner holds it, NotFound for an unknown id."""
        return await self.runner.run(request_id)

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
                [Suppressed(i.key, i.type, now, request_id) for i in plan.erase],
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
        if ErasurePlan.of_cluster(await self.subjects.cluster_in(tx, profile_id)) != plan:
            return False
        await self.records.record_start(tx, request_id, now, plan.recorded(), plan.erase)
        return True

    async def _complete(self, request_id: str) -> None:
        record = await self.records.get(request_id)
        assert record is not None
        now = self.clock()
        receipt = receipt_of(record, now)
        body = orjson.dumps(receipt, option=orjson.OPT_SORT_KEYS).decode()
        await asyncio.to_thread(self.ledger.record_receipt, self.graph.ws, request_id, now, body)
        await self.records.complete(request_id, now, body)
        await self.audit.record(
            record.requested_by or "?", "erasure.completed", request_id, receipt["counts"]
        )
        # Deleted stream entries stay in Valkey's append-only file until it is rewritten.
        await self.stream.compact_log()

    # -- suppression and restores ------------------------------------------------------------

    async def suppressions(self) -> int:
        return len(await self.records.suppressions())

    async def unsuppress(self, type: str, value: str, by: str) -> bool:
        """Lift the suppression of an identifier (the person came back and consented)."""
        ident = self.curation.normalised(type, value)
        keys = self.sealer.candidate_keys(ident)
        lifted = 0
        for key in keys:
            lifted += await self.records.unsuppress(key)
        await asyncio.to_thread(self.ledger.unsuppress, keys)
        if lifted:
            await self.audit.record(by, "suppression.lifted", None, {"type": ident.type})
        return lifted > 0

    async def reapply(self, by: str, enqueue: Callable[[str], Awaitable[None]]) -> dict[str, int]:
        """After restoring a graph backup: put back the ledger's suppressions and receipts,
        erase again whatever the backup brought back, destroy any restored data keys."""
        ws = self.graph.ws
        suppressed = await asyncio.to_thread(self.ledger.suppressions, ws)
        rows = [Suppression(s.key, s.type, s.at, s.request) for s in suppressed]
        for start in range(0, len(rows), 1000):
            await self.records.ensure_suppressions(rows[start : start + 1000])
        receipts = await asyncio.to_thread(self.ledger.receipts, ws)
        for receipt_id, completed_at, body in receipts:
            data = orjson.loads(body)
            await self.records.ensure_receipt(
                receipt_id,
                completed_at,
                body,
                data.get("requested_at") or completed_at,
                data.get("requested_by") or "",
            )
        keys = [s.key for s in suppressed]
        present = await self.subjects.present(keys)
        profiles = sorted({p for p in present.values() if p})
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
