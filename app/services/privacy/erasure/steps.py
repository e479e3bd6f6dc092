"""An erasure's steps, in order, each idempotent and recorded on the request when done, so a
runner that dies half-way is replaced by another that carries on from the next step:

1. `stream`: the subject's messages still waiting in the stream and the dead letters go;
2. `graph`: events, observations and consents in batches, then the profiles and identifiers
   in one locked transaction, shared identifiers resolved again;
3. `keys`: the data keys of the erased identifiers are destroyed;
4. `audit`: the audit log's entries about the subject are redacted, the change feed's
   mentions of them purged, and destinations told (ids only).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from app.domain.identity import IdentityRules
from app.domain.messages import TrackedMessage
from app.ports.erasure import ErasureGraphStore, ErasureRecordStore, Hanging
from app.ports.identity import IdentityGraphPort, IdentityTx
from app.ports.stream import StreamPurge
from app.services.changes.notices import ProfileNotice, ProfileNotifier, lineage_notices
from app.services.identity.keys import Sealer
from app.services.identity.resolution import recluster
from app.services.privacy.audit import AuditLog
from app.services.privacy.erasure.records import ErasurePlan
from app.services.profiles.traits import GoldenRecords
from app.services.tracking.acceptance import decode_message

#: What goes first, in batches: everything that hangs off the subject's identifiers.
DELETIONS: tuple[Hanging, ...] = ("events", "observations", "consents")


@dataclass(frozen=True)
class ErasureJob:
    """One runner's hold on one request."""

    request_id: str
    plan: ErasurePlan
    #: Extends the runner's lease; raises LeaseHeld once another runner took it over.
    renew: Callable[[], Awaitable[None]]
    #: Records a step done with the counters it set (by the receipt's names).
    mark: Callable[[str, Mapping[str, int]], Awaitable[None]]


Step = Callable[[ErasureJob], Awaitable[None]]


class ErasureSteps:
    def __init__(
        self,
        graph: IdentityGraphPort,
        subjects: ErasureGraphStore,
        records: ErasureRecordStore,
        sealer: Sealer,
        stream: StreamPurge,
        audit: AuditLog,
        golden: GoldenRecords,
        rules: IdentityRules,
        message_keys: Callable[[TrackedMessage], set[str]],
        notifier: ProfileNotifier | None,
        forward: Callable[[list[str], str], Awaitable[int]] | None,
        batch_size: int,
        clock: Callable[[], float],
    ) -> None:
        self.graph = graph
        self.subjects = subjects
        self.records = records
        self.sealer = sealer
        self.stream = stream
        self.audit = audit
        self.golden = golden
        self.rules = rules
        self.message_keys = message_keys
        self.notifier = notifier
        self.batch_size = batch_size
        self.clock = clock
        #: Destinations told about completed erasures.
        self.forward = forward

    def in_order(self) -> list[tuple[str, Step]]:
        return [
            ("stream", self.purge_stream),
            ("graph", self.delete_graph),
            ("keys", self.destroy_keys),
            ("audit", self.redact_mentions),
        ]

    async def purge_stream(self, job: ErasureJob) -> None:
        """Remove the subject's messages still waiting in the stream and the dead letters."""
        erase = set(job.plan.erase_keys)
        removed = dead = 0
        after = ""
        while entries := await self.stream.entries_after(after, 200):
            after = entries[-1].id
            for entry in entries:
                drop = {
                    n for n, payload in enumerate(entry.messages) if self._names(payload, erase)
                }
                if drop:
                    removed += await self.stream.drop_messages(entry, drop)
            await job.renew()
        after = ""
        while letters := await self.stream.dead_letters_after(after, 200):
            after = letters[-1][0]
            for entry_id, _, payload, _ in letters:
                if self._names(payload, erase):
                    await self.stream.remove_dead_letter(entry_id)
                    dead += 1
        await job.mark("stream", {"stream_messages": removed, "dead_letters": dead})

    def _names(self, payload: bytes, erase: set[str]) -> bool:
        try:
            return bool(self.message_keys(decode_message(payload)) & erase)
        except Exception:  # an undecodable letter cannot name anyone we can find
            return False

    async def delete_graph(self, job: ErasureJob) -> None:
        """Batched deletions, then the cluster in one locked transaction that marks the step."""
        plan = job.plan
        for what in DELETIONS:
            while True:
                deleted = await self.subjects.delete_hanging(
                    what, job.request_id, plan.erase_keys, self.batch_size
                )
                await job.renew()
                if deleted == 0:
                    break
        now = self.clock()

        async def work(tx: IdentityTx) -> list[ProfileNotice]:
            return await self._delete_cluster(tx, job.request_id, plan, now)

        changed = await self.graph.write(work)
        if self.notifier is not None:
            erased = [ProfileNotice(p, "erased") for p in plan.profiles]
            await self.notifier.publish(erased + changed)

    async def _delete_cluster(
        self, tx: IdentityTx, request_id: str, plan: ErasurePlan, now: float
    ) -> list[ProfileNotice]:
        await tx.lock(now)
        # The subject's profiles, and those its identifiers or the shared ones belong to now
        # (a merge since the plan may have moved one into another profile).
        await tx.lock_profiles_of([*plan.erase_keys, *plan.shared_keys], plan.profiles)
        holders = tx.locked - set(plan.profiles)
        strays = await self.subjects.stray_identifiers(tx, plan.profiles, plan.erase_keys)
        await self.subjects.delete_cluster(tx, request_id, plan.profiles, plan.erase_keys)
        # Shared identifiers lost their profile with the subject's: resolve them again (a
        # family device joins the other person it was seen with), and any identifier attached
        # to the subject's profiles since the plan.
        present = await tx.find_identifiers(plan.shared_keys)
        seeds = sorted({r["key"] for r in present} | set(strays))
        outcome = await recluster(tx, seeds, self.rules, now, f"erasure {request_id}")
        # Profiles that held an erased identifier keep no value of it.
        await self.golden.refresh(tx, (outcome.redecide | holders) - set(plan.profiles), now)
        await self.records.mark_step_in(tx, request_id, "graph", {"shared_unlinked": len(seeds)})
        # Built here: a transaction run again must not announce the first run's profiles.
        return lineage_notices(outcome.merges, outcome.splits, outcome.changed_profiles)

    async def destroy_keys(self, job: ErasureJob) -> None:
        destroyed = await self.sealer.forget([*job.plan.erase_keys, *job.plan.sealed])
        await job.mark("keys", {"data_keys": destroyed})

    async def redact_mentions(self, job: ErasureJob) -> None:
        plan = job.plan
        redacted = await self.audit.redact_targets(plan.profiles, f"erasure:{job.request_id}")
        # The change feed and segment events named her (the graph step announced the erasure
        # there too): those entries go, now that nothing else will name her.
        mentions = await self.stream.purge_mentions([*plan.erase_keys, *plan.profiles])
        if self.forward is not None:
            # After the purge: this notice (ids only) is what downstream systems act on.
            await self.forward(plan.profiles, job.request_id)
        await job.mark("audit", {"audit_redacted": redacted, "feed_entries": mentions})
