"""Erasure of a data subject: preview, a resumable job, suppression, a receipt without PII.

An erasure deletes the subject's part of the graph (profiles including merged ones,
identifiers, events, trait observations, consents), removes their messages still waiting in
the stream and the dead-letter stream, destroys the data keys of their identifiers, and
suppresses their identifiers' keyed hashes so late events naming them are dropped. An
identifier shared with someone else (a family device, a generic identifier) is unlinked and
re-resolved instead. Each step is idempotent and recorded on the request, so a worker that dies
half-way is replaced by another that finishes the job. See docs/privacy.md.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from app.adapters.identity_graph import IdentityGraph, IdentityTx
from app.adapters.stream import EventStream
from app.domain.identity import IdentityRules
from app.domain.messages import TrackedMessage
from app.errors import Conflict, NotFound
from app.privacy.ledger import PrivacyLedger, Suppressed
from app.services.changes.notices import ProfileNotice, ProfileNotifier, lineage_notices
from app.services.identity.curation import CurationService
from app.services.identity.keys import Sealer
from app.services.identity.resolution import recluster
from app.services.privacy.audit import AuditLog
from app.services.profiles.traits import GoldenRecords
from app.services.tracking.acceptance import decode_message

log = logging.getLogger(__name__)

STEPS = ("stream", "graph", "keys", "audit")
#: What goes first, in batches: everything that hangs off the subject's identifiers.
DELETIONS = ("erasure/delete_events", "erasure/delete_observations", "erasure/delete_consents")
_COUNTERS = (
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
        if r.get("receipt"):
            counts = dict(orjson.loads(r["receipt"])["counts"])
        else:
            counts = {k[2:]: int(r[k]) for k in _COUNTERS if r.get(k) is not None}
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
class _Plan:
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


#: Plans made again when a concurrent blind-index rotation re-keys the subject meanwhile.
PLAN_ATTEMPTS = 5


def _plan_of(rows: list[dict[str, Any]]) -> _Plan:
    if not rows or rows[0]["profile"] is None:
        raise NotFound("no profile with that id in this workspace")
    row = rows[0]
    idents = sorted(row["identifiers"], key=lambda i: str(i["key"]))
    return _Plan(
        profiles=[row["profile"], *sorted(row["merged"])],
        erase=[{"key": i["key"], "type": i["type"]} for i in idents if not i["shared"]],
        shared=[{"key": i["key"], "type": i["type"]} for i in idents if i["shared"]],
        sealed=sorted(row["sealed"]),
    )


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
        self.golden = golden
        self.rules = rules
        self.message_keys = message_keys
        self.notifier = notifier
        #: Set by the composition root: destinations told about completed erasures.
        self.forward: Callable[[list[str], str], Awaitable[int]] | None = None
        self.batch_size = batch_size
        self.lease_seconds = lease_seconds
        self.clock = clock
        self.process = f"{socket.gethostname()}:{os.getpid()}"

    # -- asking ------------------------------------------------------------------------------

    async def _profile_of(self, type: str, value: str) -> str:
        found = await self.curation.find(type, value)
        if found is None or found["profile"] is None:
            raise NotFound(f"no {type} identifier with that value in this workspace")
        return str(found["profile"])

    async def _plan(self, profile_id: str) -> _Plan:
        return _plan_of(await self.graph.read("erasure/cluster", id=profile_id))

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

    async def _renew(self, request_id: str, runner: str) -> None:
        if await self._lease(request_id, runner) is None:
            raise LeaseHeld(request_id)

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
        if not request.get("planned"):
            plan = await self._start(request_id, str(request["profile_id"]))
        else:
            plan = _Plan(
                profiles=list(request.get("profile_ids") or []),
                erase=[{"key": k, "type": ""} for k in request.get("erase_keys") or []],
                shared=[{"key": k, "type": ""} for k in request.get("shared_keys") or []],
                sealed=list(request.get("sealed_keys") or []),
            )
        done = set(request.get("steps") or [])
        if "stream" not in done:
            counts = await self._purge_stream(request_id, runner, set(plan.erase_keys))
            await self._mark(request_id, "stream", counts)
        if "graph" not in done:
            await self._delete_graph(request_id, runner, plan)
        if "keys" not in done:
            destroyed = await self.sealer.forget([*plan.erase_keys, *plan.sealed])
            await self._mark(request_id, "keys", {"c_data_keys": destroyed})
        if "audit" not in done:
            redacted = await self.audit.redact_targets(plan.profiles, f"erasure:{request_id}")
            # The change feed and segment events named her (the graph step announced the
            # erasure there too): those entries go, now that nothing else will name her.
            mentions = await self.stream.purge_mentions([*plan.erase_keys, *plan.profiles])
            if self.forward is not None:
                # After the purge: this notice (ids only) is what downstream systems act on.
                await self.forward(plan.profiles, request_id)
            await self._mark(
                request_id, "audit", {"c_audit_redacted": redacted, "c_feed_entries": mentions}
            )
        await self._complete(request_id)

    async def _start(self, request_id: str, profile_id: str) -> _Plan:
        """Plan and suppress, in the ledger first and then under the graph's workspace lock.

        The plan is read again under the lock: should a blind-index rotation have re-keyed one
        of the subject's identifiers in between, it is made again from the new keys."""
        for _ in range(PLAN_ATTEMPTS):
            plan = await self._plan(profile_id)
            now = self.clock()
            await asyncio.to_thread(
                self.ledger.suppress,
                self.graph.ws,
                [Suppressed(i["key"], i["type"], now, request_id) for i in plan.erase],
            )

            async def work(tx: IdentityTx, plan: _Plan = plan, now: float = now) -> bool:
                await tx.lock(now)
                # The subject's profiles locked, then the plan read again: a writer that
                # added to them meanwhile committed first, and the plan is made again.
                await tx.lock_profiles_of([*plan.erase_keys, *plan.shared_keys], plan.profiles)
                if _plan_of(await tx.run("erasure/cluster", id=profile_id)) != plan:
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

            if await self.graph.write(work):
                return plan
        raise Conflict(
            f"the subject's identifiers kept changing while erasure {request_id} was planned;"
            " it is retried"
        )

    async def _mark(self, request_id: str, step: str, counts: Mapping[str, int]) -> None:
        await self.graph.run_write("erasure/mark_step", id=request_id, step=step, counts=counts)

    async def _purge_stream(self, request_id: str, runner: str, erase: set[str]) -> dict[str, int]:
        """Remove the subject's messages still waiting in the stream and the dead letters."""
        removed = dead = 0
        after = ""
        while True:
            entries = await self.stream.entries_after(after, 200)
            if not entries:
                break
            after = entries[-1].id
            for entry in entries:
                drop = {
                    n for n, payload in enumerate(entry.messages) if self._names(payload, erase)
                }
                if drop:
                    removed += await self.stream.drop_messages(entry, drop)
            await self._renew(request_id, runner)
        after = ""
        while True:
            letters = await self.stream.dead_letters_after(after, 200)
            if not letters:
                break
            after = letters[-1][0]
            for entry_id, _, payload, _ in letters:
                if self._names(payload, erase):
                    await self.stream.remove_dead_letter(entry_id)
                    dead += 1
        return {"c_stream_messages": removed, "c_dead_letters": dead}

    def _names(self, payload: bytes, erase: set[str]) -> bool:
        try:
            return bool(self.message_keys(decode_message(payload)) & erase)
        except Exception:  # an undecodable letter cannot name anyone we can find
            return False

    async def _delete_graph(self, request_id: str, runner: str, plan: _Plan) -> None:
        for name in DELETIONS:
            while True:
                rows = await self.graph.run_write(
                    name, id=request_id, keys=plan.erase_keys, limit=self.batch_size
                )
                await self._renew(request_id, runner)
                if not rows or int(rows[0]["deleted"]) == 0:
                    break
        now = self.clock()

        async def work(tx: IdentityTx) -> list[ProfileNotice]:
            await tx.lock(now)
            # The subject's profiles, and those its identifiers or the shared ones belong to
            # now (a merge since the plan may have moved one into another profile).
            await tx.lock_profiles_of([*plan.erase_keys, *plan.shared_keys], plan.profiles)
            holders = tx.locked - set(plan.profiles)
            strays = await tx.run(
                "erasure/stray_identifiers", profiles=plan.profiles, keys=plan.erase_keys
            )
            await tx.run("journeys/erase_runs", profiles=plan.profiles)
            await tx.run(
                "erasure/delete_cluster",
                id=request_id,
                keys=plan.erase_keys,
                profiles=plan.profiles,
            )
            # Shared identifiers lost their profile with the subject's: resolve them again
            # (a family device joins the other person it was seen with), and any identifier
            # attached to the subject's profiles since the plan.
            present = await tx.find_identifiers(plan.shared_keys)
            seeds = sorted({r["key"] for r in present} | set(strays[0]["keys"]))
            outcome = await recluster(tx, seeds, self.rules, now, f"erasure {request_id}")
            # Profiles that held an erased identifier keep no value of it.
            await self.golden.refresh(
                tx, (outcome.changed_profiles | holders) - set(plan.profiles), now
            )
            await tx.run(
                "erasure/mark_step",
                id=request_id,
                step="graph",
                counts={"c_shared_unlinked": len(seeds)},
            )
            # Built here: a transaction run again must not announce the first run's profiles.
            return lineage_notices(outcome.merges, outcome.splits, outcome.changed_profiles)

        changed = await self.graph.write(work)
        if self.notifier is not None:
            erased = [ProfileNotice(p, "erased") for p in plan.profiles]
            await self.notifier.publish(erased + changed)

    async def _complete(self, request_id: str) -> None:
        rows = await self.graph.read("erasure/request", id=request_id)
        node = rows[0]["request"]
        counts = {k[2:]: int(node[k]) for k in _COUNTERS if node.get(k) is not None}
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
