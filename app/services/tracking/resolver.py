"""The stream-fed resolver: micro-batches from the consumer group into the identity graph.

At-least-once from the stream plus Neo4j's unique event id gives exactly-once in the graph:
an entry is acknowledged only after its transaction committed, and a replayed entry finds its
events already stored. A message that keeps failing goes to the dead-letter stream.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Sequence
from typing import Protocol

from app.domain.messages import TrackedMessage
from app.ports.stream import EventFeed, StreamEntry
from app.services.identity.ingestion.report import IngestReport
from app.services.tracking.acceptance import decode_message
from app.supervision import UNREACHABLE, Backoff, pause

log = logging.getLogger(__name__)

TRANSIENT = UNREACHABLE
#: Batches in flight: one being written while the next is prepared.
PIPELINE_DEPTH = 2


class Ingestion(Protocol):
    """What the resolver needs of the identity graph's writer (IngestionService)."""

    async def ingest(
        self,
        messages: Sequence[TrackedMessage],
        unseen: bool = False,
        turn: asyncio.Lock | None = None,
    ) -> IngestReport:
        """Write a batch in one transaction (see IngestionService.ingest)."""


class Resolver:
    def __init__(
        self,
        stream: EventFeed,
        ingestion: Ingestion,
        consumer: str,
        batch_entries: int = 50,
        batch_messages: int = 5000,
        max_attempts: int = 5,
        claim_idle_ms: int = 30_000,
    ) -> None:
        self.stream = stream
        self.ingestion = ingestion
        self.consumer = consumer
        self.batch_entries = batch_entries
        self.batch_messages = batch_messages
        self.max_attempts = max_attempts
        self.claim_idle_ms = claim_idle_ms
        self._last_claim = 0.0
        # Own pending entries exist after a restart, a failed attempt or a transient error;
        # reading them on every round would re-send the batches in flight for nothing.
        self._recheck_pending = True
        #: Held by the batch being written: this resolver's batches commit one after the
        #: other (two in flight often carry the same visitor's new identifiers, and the
        #: second would be written again); resolvers beside it write at the same time.
        self._turn = asyncio.Lock()

    async def run(self, stop: asyncio.Event, block_ms: int = 1000) -> None:
        """Process until `stop` is set; transient outages back off and retry.

        Two batches are in flight at most: while one is written (Neo4j works on its own core),
        the next is read, decoded, normalised and sealed (Python works on the other). This
        resolver's writes commit one after the other; other resolvers' run beside them.
        """
        await self.stream.ensure_group()
        backoff = Backoff(0.5, 10.0)
        inflight: set[asyncio.Task[int]] = set()
        busy: set[str] = set()
        try:
            while not stop.is_set():
                try:
                    while len(inflight) >= PIPELINE_DEPTH:
                        await self._finish_one(inflight)
                    entries, unseen = await self._next_entries(block_ms, exclude=busy)
                    if not entries:
                        if inflight:
                            await self._finish_one(inflight)
                        continue
                    task = self._start(entries, busy, unseen)
                    inflight.add(task)
                    backoff.reset()
                except TRANSIENT as exc:
                    self._recheck_pending = True
                    delay = backoff.next()
                    log.warning(
                        "resolver waits for a backing service (%s); retrying in %.1f s",
                        type(exc).__name__,
                        delay,
                    )
                    await pause(stop, delay)
        finally:
            # Also when the loop stops on an error: no batch is left running behind a
            # resolver that is started again.
            results = await asyncio.gather(*inflight, return_exceptions=True)
            for result in results:
                if isinstance(result, BaseException) and not isinstance(result, TRANSIENT):
                    log.error("resolver batch failed at shutdown: %s", type(result).__name__)

    def _start(self, entries: list[StreamEntry], busy: set[str], unseen: bool) -> asyncio.Task[int]:
        """Process entries in the background; their ids stay busy until it ends."""
        ids = {e.id for e in entries}
        busy.update(ids)

        def release(_: asyncio.Task[int]) -> None:
            busy.difference_update(ids)

        task = asyncio.create_task(self.process(entries, unseen))
        task.add_done_callback(release)
        return task

    @staticmethod
    async def _finish_one(inflight: set[asyncio.Task[int]]) -> None:
        done, _ = await asyncio.wait(inflight, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            inflight.discard(task)
            task.result()  # a transient error surfaces here and backs the loop off

    async def step(self, block_ms: int = 1000) -> int:
        """One sequential round (tests, tools): read a batch and process it."""
        entries, unseen = await self._next_entries(block_ms, exclude=set())
        if not entries:
            return 0
        return await self.process(entries, unseen)

    async def _next_entries(
        self, block_ms: int, exclude: set[str]
    ) -> tuple[list[StreamEntry], bool]:
        """Own pending entries first, then stale ones of dead consumers, then new ones; and
        whether they are delivered for the first time (the new ones are)."""
        entries: list[StreamEntry] = []
        if self._recheck_pending:
            # Read past the entries in flight (they are pending too): after a restart, a
            # resolver can own more pending entries than one batch, and those behind the
            # first batch must not wait for the stale-entry claim.
            pending = await self.stream.read_own_pending(
                self.consumer, self.batch_entries + len(exclude)
            )
            entries = [e for e in pending if e.id not in exclude][: self.batch_entries]
            self._recheck_pending = bool(entries)
        if not entries and time.monotonic() - self._last_claim > self.claim_idle_ms / 2000:
            self._last_claim = time.monotonic()
            claimed = await self.stream.claim_stale(
                self.consumer, self.claim_idle_ms, self.batch_entries
            )
            entries = [e for e in claimed if e.id not in exclude]
        if entries:
            return entries, False
        new = await self._read_new(block_ms)
        # Acceptance let each message through once per de-duplication window: a first
        # delivery can only hold a stored event if it was sent again after the window.
        return new, self.stream.dedup_seconds > 0

    async def _read_new(self, block_ms: int) -> list[StreamEntry]:
        """New entries: one read (waiting up to `block_ms`), then, while the last read came
        back full and the batch holds fewer than `batch_messages` messages, reads of what is
        already waiting, sized by the messages per entry seen so far."""
        entries = await self.stream.read_new(self.consumer, self.batch_entries, block_ms)
        messages = sum(len(e.messages) for e in entries)
        full = len(entries) == self.batch_entries
        while full and messages < self.batch_messages:
            per_entry = messages / len(entries)  # at least one: an entry holds a request
            asked = math.ceil((self.batch_messages - messages) / per_entry)
            more = await self.stream.read_new(self.consumer, asked, None)
            entries += more
            messages += sum(len(e.messages) for e in more)
            full = len(more) == asked
        return entries

    async def process(self, entries: Sequence[StreamEntry], unseen: bool = False) -> int:
        """Write the entries' messages; `unseen`: delivered for the first time by a stream
        that de-duplicates at acceptance (see IngestionService.ingest)."""
        messages = [m for e in entries for m in e.messages]
        try:
            await self._ingest(entries, unseen)
        except TRANSIENT:
            raise
        except Exception:
            log.exception("batch failed; retrying entry by entry")
            for entry in entries:
                await self._process_alone(entry)
            return len(messages)
        await self.stream.ack(entries, len(messages))
        return len(messages)

    async def _ingest(self, entries: Sequence[StreamEntry], unseen: bool = False) -> None:
        # Decoding is CPU work: in a thread, it does not hold up the batch being written.
        decoded = await asyncio.to_thread(
            lambda: [decode_message(m) for e in entries for m in e.messages]
        )
        report = await self.ingestion.ingest(decoded, unseen=unseen, turn=self._turn)
        await self.stream.count_many(
            {
                "processed": len(decoded),
                "duplicates": report.duplicates,
                "merges": report.merges,
                "splits": report.splits,
                "conflicts": len(report.new_conflicts),
                "suppressed": report.suppressed,
                "consents": report.consents,
                "retried": report.retries,
            }
        )

    async def _process_alone(self, entry: StreamEntry) -> None:
        try:
            await self._ingest([entry])
        except TRANSIENT:
            raise
        except Exception as exc:
            await self.stream.count("failed", len(entry.messages))
            attempts = await self.stream.failure_count(entry.id)
            if attempts < self.max_attempts:
                self._recheck_pending = True
                return  # stays pending; retried on a later round
            await self._dead_letter_bad_messages(entry, type(exc).__name__)
        await self.stream.ack([entry], len(entry.messages))
        await self.stream.forget_failures([entry.id])

    async def _dead_letter_bad_messages(self, entry: StreamEntry, reason: str) -> None:
        """Keep the good messages of a failing entry; dead-letter only the bad ones."""
        for payload in entry.messages:
            try:
                message = decode_message(payload)
                await self.ingestion.ingest([message])
                await self.stream.count("processed")
            except TRANSIENT:
                raise
            except Exception as exc:
                log.error("message dead-lettered: %s", type(exc).__name__)
                await self.stream.dead_letter(entry.source, payload, type(exc).__name__ or reason)
