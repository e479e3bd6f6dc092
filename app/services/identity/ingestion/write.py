"""A sealed batch's transaction: admit its messages, place its identifiers, write, resolve.

Runs as the unit of work of `IdentityGraph.write`, so the driver may run it again (a deadlock
broken between two writers): each run starts from the sealed batch, never from the last run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.ports.identity import IdentityTx
from app.ports.identity_rows import GoldenRow
from app.services.changes.notices import ProfileNotice, lineage_notices
from app.services.identity.ingestion.devices import device_rows
from app.services.identity.ingestion.prepare import PreparedMessage, moved
from app.services.identity.ingestion.report import IngestReport, WriteMode
from app.services.identity.ingestion.rows import GraphRows, RowBuilder, SealedBatch
from app.services.identity.resolution import Decision, ReclusterOutcome, combine, recluster
from app.services.privacy.consent import only_changes
from app.services.profiles.traits import changed_fields


class KeysMoved(Exception):
    """What the batch was prepared for changed under it: a blind-index rotation re-keyed one
    of its identifiers after it was sealed, or an erasure suppressed one a writer beside it
    had just created."""


@dataclass(frozen=True)
class _Admitted:
    """What the locks found: the messages to store, and those an erasure bars."""

    fresh: list[PreparedMessage]
    existing: set[str]  # event ids stored already
    barred: set[str]  # event ids naming a suppressed identifier
    suppressed: set[str]
    present: set[str]  # of the keys to check, those stored now
    doomed: set[str]  # node keys whose data keys are to be destroyed after the commit

    @property
    def fresh_ids(self) -> set[str]:
        return {p.event_id for p in self.fresh}


@dataclass(frozen=True)
class _Written:
    decided: list[Decision]
    rows: GraphRows
    newcomers: dict[str, GoldenRow]  # profile id -> golden record row
    seeds: set[str]


class BatchWrite:
    """One sealed batch's unit of work. `runs` counts the driver's attempts."""

    def __init__(
        self,
        messages: int,
        prepared: list[PreparedMessage],
        sealed: SealedBatch,
        builder: RowBuilder,
        mode: WriteMode,
        lookups: Sequence[str],
        now: float,
    ) -> None:
        self.messages = messages
        self.prepared = prepared
        self.sealed = sealed
        self.builder = builder
        self.golden = builder.golden
        self.rules = builder.rules
        self.mode = mode
        self.lookups = list(lookups)
        # To read again under the lock: what a rotation may have moved, what a decided
        # component holds (none of it may be stored by then).
        self.check = (
            self.lookups
            if mode.rotating
            else sorted(k for c in sealed.decided for k in c.snapshot.keys)
        )
        self.event_ids = [p.event_id for p in prepared] if mode.look_up else []
        self.now = now
        self.runs = 0

    async def __call__(self, tx: IdentityTx) -> tuple[IngestReport, set[str]]:
        self.runs += 1
        admitted = await self._admit(tx)
        if not admitted.fresh:
            dropped = len(admitted.barred - admitted.existing)
            report = IngestReport(stored=0, duplicates=self.messages - dropped, suppressed=dropped)
            return report, admitted.doomed
        written = await self._write(tx, admitted)
        return await self._resolve(tx, admitted, written), admitted.doomed

    async def _admit(self, tx: IdentityTx) -> _Admitted:
        """Lock, then read what decides which messages are stored."""
        await tx.lock(self.now)
        # The profiles of the batch's identifiers stored now (not as read before the
        # transaction) are locked before anything is read that will be decided on: an
        # erasure planning one of them waits, or has committed its suppressions.
        await tx.lock_profiles_of(self.lookups)
        existing, suppressed, present = await tx.batch_state(
            self.event_ids, self.lookups, self.check
        )
        if self.mode.rotating and moved(self.prepared, present):
            raise KeysMoved
        # A message naming an erased subject's identifier is dropped whole, and the data
        # keys made for its identifiers before the transaction are destroyed after it.
        doomed = {k for p in self.prepared for k in p.barred_by(suppressed)}
        barred = {p.event_id for p in self.prepared if p.barred_by(suppressed)}
        fresh = [p for p in self.prepared if p.event_id not in existing | barred]
        return _Admitted(fresh, existing, barred, suppressed, present, doomed)

    async def _place(self, tx: IdentityTx, admitted: _Admitted) -> tuple[list[Decision], GraphRows]:
        """The decisions made before the lock that still hold, and the rows as written."""
        decided = still_decided(
            self.sealed.decided, self.prepared, admitted.fresh_ids, admitted.present
        )
        # Their identifiers are created first: one that a writer beside this one stored
        # meanwhile is waited for and found (taken), and its component resolved from the
        # graph like any other; the identifiers created for it join it there.
        # The rows as sealed, in key order, carry each identifier's generic flag (and the
        # profile it is attached to once claimed).
        keys = {k for c in decided for k in c.snapshot.keys}
        taken = await tx.claim_identifiers(
            [r for r in self.sealed.rows.created if r["key"] in keys]
        )
        if taken:
            decided = [c for c in decided if taken.isdisjoint(c.snapshot.keys)]
        if len(admitted.fresh) == len(self.prepared) and len(decided) == len(self.sealed.decided):
            return decided, self.sealed.rows  # every message is new and every decision holds
        return decided, self.builder.rows_for(self.sealed, admitted.fresh, decided)

    async def _write(self, tx: IdentityTx, admitted: _Admitted) -> _Written:
        """Profiles of the decided components, identifiers, evidence, events and devices."""
        decided, rows = await self._place(tx, admitted)
        # A decided component's profiles are created with their golden records: all the
        # observations of their identifiers are this batch's.
        newcomers = {p: self.sealed.golden[p] for c in decided for p in c.assignment.created}
        await tx.create_profiles(sorted(newcomers), self.now, newcomers)
        await tx.attach_identifiers(rows.created)
        seeds, profiles = await tx.merge_identifiers(rows.merged)
        if not profiles <= tx.locked:
            # A writer beside this one created some of them since the locks were taken:
            # their profiles are locked now, and should an erasure have suppressed one of
            # them meanwhile, the batch starts again (and drops its messages).
            await tx.lock_profiles(profiles)
            _, now_suppressed, _ = await tx.batch_state([], self.lookups)
            if now_suppressed - admitted.suppressed:
                raise KeysMoved
        await tx.create_evidence(rows.links, self.now)
        seeds |= await tx.merge_evidence(rows.evidence)
        await tx.create_events([self.sealed.events[p.event_id] for p in admitted.fresh])
        whole = len(admitted.fresh) == len(self.prepared)
        devices = self.sealed.devices if whole else device_rows(admitted.fresh)
        await tx.record_sightings(devices.devices, devices.seen)
        return _Written(decided, rows, newcomers, seeds)

    async def _resolve(
        self, tx: IdentityTx, admitted: _Admitted, written: _Written
    ) -> IngestReport:
        """Clusters, observations, consents and golden records; the batch's report."""
        # Clusters are a function of the evidence: if no node or edge changed in a way that
        # can move one, nothing is recomputed (the common case of a known visitor). The
        # components decided before the lock are written already (none of their identifiers
        # or edges is merged, so none is a seed); the rest are read back (a component of new
        # identifiers lands here only if the lock found it stale: one of its messages
        # dropped, or an identifier stored meanwhile).
        outcome = combine(
            await recluster(tx, sorted(written.seeds), self.rules, self.now, "evidence"),
            *(component.outcome() for component in written.decided),
        )
        await tx.create_observations(written.rows.sightings)
        touched = await tx.merge_observations(written.rows.observations)
        fresh_ids = admitted.fresh_ids
        consent_rows = only_changes([r for r in self.sealed.consents if r["event"] in fresh_ids])
        recorded, consent_profiles = await tx.record_consents(consent_rows)
        changed = (touched | outcome.redecide) - written.newcomers.keys()
        golden = await self.golden.refresh(tx, changed, self.now)
        golden |= changed_fields(written.newcomers.values(), {})
        notices = lineage_notices(
            outcome.merges,
            outcome.splits,
            outcome.changed_profiles,
            traits=golden,
            created=outcome.created,
            joined=outcome.joined,
        ) + [ProfileNotice(p, "consent") for p in sorted(consent_profiles)]
        return self._report(admitted, outcome, recorded, tuple(notices))

    def _report(
        self,
        admitted: _Admitted,
        outcome: ReclusterOutcome,
        consents: int,
        notices: tuple[ProfileNotice, ...],
    ) -> IngestReport:
        dropped: dict[str, int] = {}
        for p in admitted.fresh:
            for d in p.identity.dropped:
                label = f"{d.reason}:{d.type}"
                dropped[label] = dropped.get(label, 0) + 1
        suppressed = len(admitted.barred - admitted.existing)
        return IngestReport(
            stored=len(admitted.fresh),
            duplicates=self.messages - len(admitted.fresh) - suppressed,
            dropped_identifiers=dropped,
            new_conflicts=outcome.new_conflicts,
            merges=len(outcome.merges),
            splits=len(outcome.splits),
            suppressed=suppressed,
            consents=consents,
            notices=notices,
        )


def still_decided(
    decided: list[Decision],
    prepared: list[PreparedMessage],
    fresh_ids: set[str],
    present: set[str],
) -> list[Decision]:
    """The components decided before the lock (every identifier new then) that still hold
    under it: none of their identifiers is stored now (a batch that committed meanwhile may
    have stored some) and none of their messages was dropped (a replay, a suppressed
    subject). Their identifiers are then written attached and their edges decided."""
    stale = present | {k for p in prepared if p.event_id not in fresh_ids for k in p.keys.values()}
    return [c for c in decided if stale.isdisjoint(c.snapshot.keys)]
