"""Golden records decided again in the background after what weighs their observations changed
(a source's trust, the trait schema).

A run waits until every process has read the change (a process holds the schema and trusts it
read for `GoldenRecords.cache_seconds`, 30 s by default), then walks the workspace's active
profiles in id order, a page per transaction, re-deciding those the change concerns. Profiles
decided by ingestion meanwhile already use the new weights, so one pass after the wait leaves
no record decided on the old ones. The run's cursor and counts are stored after every page: a
run whose worker died is resumed from its cursor, and a second runner of the same run stops at
its first page (the cursor moved under it).
"""

from __future__ import annotations

import dataclasses
import time
import uuid
from collections.abc import Awaitable, Callable

from app.domain.traits import TraitSchema
from app.errors import InvalidInput, NotFound
from app.ports.redecisions import (
    DONE,
    RUNNING,
    SOURCE_TRUST,
    TRAIT_SCHEMA,
    WAITING,
    RedecisionRun,
    RedecisionStore,
)
from app.ports.sources import Source
from app.services.profiles.traits import TRUST_CACHE_SECONDS
from app.services.tracking.sources import SourceService

__all__ = ["DONE", "RUNNING", "WAITING", "GoldenRedecisions", "RedecisionRun"]

#: How long a run waits for every process to read the change: a second more than they hold it.
SETTLE_MARGIN_SECONDS = 1.0
#: A running run whose cursor has not moved for this long lost its worker and is resumed.
STALLED_SECONDS = 120.0

Enqueue = Callable[[str, float], Awaitable[None]]


class GoldenRedecisions:
    def __init__(
        self,
        store: RedecisionStore,
        sources: SourceService,
        schema: Callable[[], Awaitable[TraitSchema]],
        redecide: Callable[[list[str]], Awaitable[int]],
        forget: Callable[[], None],
        enqueue: Enqueue,
        *,
        clock: Callable[[], float] = time.time,
        settle_seconds: float = TRUST_CACHE_SECONDS + SETTLE_MARGIN_SECONDS,
        page_size: int = 500,
    ) -> None:
        self.store = store
        self.sources = sources
        #: The configured trait schema (its `source_trust` wins over a source's own trust).
        self.schema = schema
        self.redecide = redecide
        self.forget = forget
        self.enqueue = enqueue
        self.clock = clock
        self.settle_seconds = settle_seconds
        self.page_size = page_size

    async def set_source_trust(
        self, source_id: str, trust: float, by: str
    ) -> tuple[Source, RedecisionRun]:
        """Give a source a new trust and start re-deciding the golden records it weighs in."""
        configured = (await self.schema()).source_trust
        if source_id in configured:
            raise InvalidInput(
                f"the trait schema's source_trust sets this source's trust"
                f" ({configured[source_id]}); change it there"
            )
        source = await self.sources.set_trust(source_id, trust)
        self.forget()  # this process's reads (`trait(name)`) weigh by it at once
        return source, await self.request(SOURCE_TRUST, source.id, by)

    async def after_schema_change(self, by: str) -> RedecisionRun:
        """Start re-deciding every active profile's golden record (the trait schema changed)."""
        return await self.request(TRAIT_SCHEMA, None, by)

    async def request(self, reason: str, source: str | None, by: str) -> RedecisionRun:
        now = self.clock()
        run = RedecisionRun(
            id=str(uuid.uuid4()),
            ws=self.store.ws,
            reason=reason,
            source=source,
            by=by,
            status=WAITING,
            requested_at=now,
            not_before=now + self.settle_seconds,
        )
        await self.store.create(run)
        await self.enqueue(run.id, self.settle_seconds)
        return run

    async def get(self, run_id: str) -> RedecisionRun:
        found = await self.store.get(run_id)
        if found is None:
            raise NotFound("no re-decision run with that id in this workspace")
        return found

    async def latest(self, limit: int = 20, source: str | None = None) -> list[RedecisionRun]:
        return await self.store.latest(max(1, min(limit, 100)), source)

    async def run(self, run_id: str) -> RedecisionRun:
        """Carry the run on to its end from its cursor; answers where it stands."""
        run = await self.get(run_id)
        early = run.not_before - self.clock()
        if run.status == DONE:
            return run
        if early > 0:
            await self.enqueue(run.id, early)  # started too soon (resumed): wait for it
            return run
        self.forget()  # this process decides on what was just changed
        started = await self.store.start(run.id, await self.store.count_active(), self.clock())
        if started is None:
            return await self.get(run_id)
        if not await self._walk(started):
            return await self.get(run_id)  # another runner has it
        await self.store.finish(run.id, self.clock())
        return await self.get(run_id)

    async def _walk(self, run: RedecisionRun) -> bool:
        """Page by page to the last profile; False when another runner moved the cursor."""
        while True:
            page = await self.store.page(run.after, self.page_size, run.source)
            if not page.checked:
                return True
            changed = await self.redecide(page.concerned) if page.concerned else 0
            moved = dataclasses.replace(
                run,
                after=page.checked[-1],
                checked=run.checked + len(page.checked),
                redecided=run.redecided + len(page.concerned),
                changed=run.changed + changed,
                heartbeat_at=self.clock(),
            )
            if not await self.store.advance(run, moved):
                return False
            run = moved

    async def resume(self) -> int:
        """Hand again to a worker every run that is not done and has no live runner (its job
        was lost, or its worker died); answers how many."""
        now = self.clock()
        resumed = 0
        for run in await self.store.unfinished():
            if run.status == WAITING and now < run.not_before + STALLED_SECONDS:
                continue  # its job is queued for not_before
            if run.status == RUNNING and now - (run.heartbeat_at or 0.0) < STALLED_SECONDS:
                continue
            await self.enqueue(run.id, max(0.0, run.not_before - now))
            resumed += 1
        return resumed
