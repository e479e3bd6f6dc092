"""Write a batch of tracked messages into the identity graph in one transaction.

Per batch: identify and key the messages (`prepare`), seal values and payloads under data keys
that are stored first and decide the components made only of new identifiers (`rows`), then
in one locked transaction skip events already stored, claim and write identifiers, evidence
and events, and recompute the touched components (`write`). After the commit, the data keys of
erased subjects' identifiers made meanwhile are destroyed and the changes are published.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import replace

from app.domain.consent import ConsentPolicy
from app.domain.identity import IdentityRules
from app.domain.messages import TrackedMessage
from app.ports.identity import AlreadyStored, ComponentMoving, IdentityGraphPort
from app.ports.rekeying import RekeyStore
from app.services.changes.notices import ProfileNotifier
from app.services.identity.ingestion.prepare import PreparedMessage, Preparer
from app.services.identity.ingestion.report import IngestReport, WriteMode
from app.services.identity.ingestion.rotation import RotationWatch
from app.services.identity.ingestion.rows import RowBuilder
from app.services.identity.ingestion.successions import tied, twin_keys, waiting
from app.services.identity.ingestion.write import BatchWrite, KeysMoved
from app.services.identity.keys import Sealer
from app.services.profiles.traits import GoldenRecords, TraitObserver

log = logging.getLogger(__name__)

#: Attempts at a batch whose identifiers a concurrent rotation keeps re-keying, or whose
#: events writers beside this one keep storing first.
ATTEMPTS = 5
#: How long first deliveries look stored events up after one held a replay.
REPLAY_LOOKUP_SECONDS = 60.0


class IngestionService:
    def __init__(
        self,
        graph: IdentityGraphPort,
        sealer: Sealer,
        rules: IdentityRules,
        observer: TraitObserver,
        golden: GoldenRecords,
        consent: ConsentPolicy,
        rekeying: RekeyStore,
        notifier: ProfileNotifier | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.graph = graph
        self.sealer = sealer
        self.rules = rules
        self.golden = golden
        self.notifier = notifier
        self.clock = clock
        self.preparer = Preparer(graph.ws, sealer, rules)
        self.builder = RowBuilder(sealer, rules, observer, golden, consent)
        self.rotation = RotationWatch(rekeying, sealer)
        #: Until when first deliveries look stored events up too (a replay was met).
        self._look_up_until = float("-inf")

    def identifier_keys(self, message: TrackedMessage) -> set[str]:
        """The node keys, under every listed kid, of every identifier a message carries
        (erasure finds messages by them)."""
        return self.preparer.identifier_keys(message)

    def recheck_rotation(self) -> None:
        """Read the rotation state again on the next batch (a rotation in this process ended)."""
        self.rotation.recheck()

    async def ingest(
        self,
        messages: Sequence[TrackedMessage],
        unseen: bool = False,
        turn: asyncio.Lock | None = None,
    ) -> IngestReport:
        """Write a batch. `unseen` (the resolver, for a first delivery from the stream, which
        lets each message through once per de-duplication window) skips looking up which
        events are stored: should one be after all (sent again after the window), its unique
        id fails the transaction, and the batch is written again with the lookup. `turn`, when
        given, is held while the batch's transaction runs (a resolver's own batches, prepared
        side by side, commit one after the other)."""
        rotating = await self.rotation.pending()
        look_up = rotating or not unseen or time.monotonic() < self._look_up_until
        mode = WriteMode(rotating=rotating, look_up=look_up)
        for attempt in range(1, ATTEMPTS + 1):
            try:
                report = await self.write_batch(messages, mode, turn=turn)
                return replace(report, retries=report.retries + attempt - 1)
            except (KeysMoved, ComponentMoving):
                if attempt == ATTEMPTS:
                    raise
            except AlreadyStored:
                # A stored event (a replay, or a writer beside this one storing the same
                # event): written again, looking up which events are stored.
                if attempt == ATTEMPTS:
                    raise
                if not mode.look_up:
                    # Replays come in runs (an import or a tracker's backlog sent again): look
                    # events up for a while rather than fail batch after batch.
                    self._look_up_until = time.monotonic() + REPLAY_LOOKUP_SECONDS
                    log.info("a first delivery held a stored event; written again with lookup")
                mode = mode.looking_up()
        raise AssertionError("unreachable")  # pragma: no cover

    async def write_batch(
        self,
        messages: Sequence[TrackedMessage],
        mode: WriteMode,
        present: set[str] | None = None,
        turn: asyncio.Lock | None = None,
    ) -> IngestReport:
        """One attempt. `present`: the stored identifiers among the batch's, as read before
        the lock (read here when not given)."""
        prepared, present = await self._prepare(messages, mode, present)
        if not prepared:
            return IngestReport(stored=0, duplicates=len(messages))
        owners = {k for p in prepared for k in p.keys.values()}
        if any(p.owner_key is None for p in prepared):
            owners.add(self.sealer.unowned_owner())
        # The key store is written before the data it protects.
        data_keys = await self.sealer.data_keys(sorted(owners), create=True)
        # The current trait schema and source trusts (of this batch's sources too), read
        # outside the transaction.
        schema = await self.golden.effective_schema({p.message.source_id for p in prepared})
        now = self.clock()
        sealed = await asyncio.to_thread(
            self.builder.seal, prepared, data_keys, schema, present, now
        )
        lookups = sorted(
            owners
            | {k for p in prepared for a in p.aliases.values() for k in a}
            | {s.successor for p in prepared for s in p.successions}
        )
        work = BatchWrite(
            len(messages),
            prepared,
            sealed,
            self.builder,
            mode,
            lookups,
            now,
        )
        if turn is None:
            report, barred_keys = await self.graph.write(work)
        else:
            async with turn:
                report, barred_keys = await self.graph.write(work)
        if work.runs > 1:
            report = replace(report, retries=work.runs - 1)
        if barred_keys:
            # Made before the transaction knew: an erased subject gets no key material.
            await self.sealer.forget(sorted(barred_keys))
        if self.notifier is not None:
            stored = [(p.owner_key, p.message.display_name) for p in prepared if p.owner_key]
            await self.notifier.publish(report.notices, stored if report.stored else ())
        return report

    async def _prepare(
        self, messages: Sequence[TrackedMessage], mode: WriteMode, present: set[str] | None
    ) -> tuple[list[PreparedMessage], set[str]]:
        """The batch prepared, and which of its identifiers are stored."""
        # Normalising, hashing, sealing and deciding new components are CPU work: done in a
        # thread, they do not hold up the previous batch's locked transaction, which waits on
        # this event loop for its query results.
        if mode.rotating:
            # Which listed kid each identifier is stored under decides the key it is sealed for.
            if present is None:
                present = await self._present(
                    sorted({k for m in messages for k in self.identifier_keys(m)})
                )
            prepared = await asyncio.to_thread(self.preparer.prepare, messages, present)
            twins = twin_keys(prepared, self.sealer, self.preparer.blocklist)
            if twins:
                present = present | await self._present(
                    sorted({k for c in twins.values() for k in c})
                )
            return await self._tie_successors(prepared, twins, present), present
        prepared = await asyncio.to_thread(self.preparer.prepare, messages, None)
        probe_keys = self.preparer.probe_keys(prepared)
        twins = twin_keys(prepared, self.sealer, self.preparer.blocklist)
        if present is None:
            keys = {k for p in prepared for k in p.keys.values()}
            keys |= {k for candidates in probe_keys.values() for k in candidates}
            keys |= {k for candidates in twins.values() for k in candidates}
            present = await self._present(sorted(keys))
        stored = {p for p, candidates in probe_keys.items() if not present.isdisjoint(candidates)}
        if stored:
            # An alias from a stored user id, an e-mail's stored older spelling: the messages
            # that carry them prepared again, carrying them.
            again = [p.message for p in prepared if not stored.isdisjoint(p.probes)]
            known = stored | self.preparer.named_in_batch(messages)
            redone = await asyncio.to_thread(self.preparer.prepare, again, None, known)
            by_event = {p.event_id: p for p in redone}
            prepared = [by_event.get(p.event_id, p) for p in prepared]
        return await self._tie_successors(prepared, twins, present), present

    async def _tie_successors(
        self,
        prepared: list[PreparedMessage],
        twins: dict[str, tuple[str, ...]],
        present: set[str],
    ) -> list[PreparedMessage]:
        """User ids not stored yet whose anonymous-id twin an alias linked to a successor get
        the alias's edge too (app/services/identity/ingestion/successions.py)."""
        aliased = waiting(twins, present)
        if not aliased:
            return prepared
        rules = sorted(self.rules.successor_rules)
        rows = await self.graph.read_tx(lambda tx: tx.successions_of(sorted(aliased), rules))
        return tied(prepared, aliased, rows)

    async def _present(self, keys: Sequence[str]) -> set[str]:
        """Which of these keys are stored identifiers, read before the batch takes the lock."""
        return await self.graph.read_tx(lambda tx: tx.present_identifiers(keys))
