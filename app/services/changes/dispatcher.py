"""The change dispatcher: profile changes from the feed, fanned out to segments, journeys and
destinations.

Everything that changes a profile (the resolver, curation, traits, consent, erasure) appends
its notices to `cdp:<ws>:changes` (`feed.py` is the format); the dispatcher reads them with a
consumer group, resolves event owners to profiles, evaluates only the segments concerned, hands
the changes and the memberships they moved to journeys and destinations, and acknowledges (and
deletes) the entries once done. A crash re-delivers what was not acknowledged.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from app.adapters.identity_graph import IdentityGraph
from app.adapters.valkey.keys import WorkspaceKeys
from app.services.changes.feed import decode_entry
from app.services.changes.profile_changes import ProfileChanges
from app.services.engagement.segments.engine import SegmentService
from app.supervision import UNREACHABLE, Backoff, pause

if TYPE_CHECKING:
    from app.services.engagement.destinations import DestinationService
    from app.services.engagement.journeys import JourneyService

log = logging.getLogger(__name__)
GROUP = "segments"


class ChangeDispatcher:
    def __init__(
        self,
        redis: Redis,
        graph: IdentityGraph,
        engine: SegmentService,
        consumer: str = "segments-1",
        batch: int = 200,
        journeys: JourneyService | None = None,
        destinations: DestinationService | None = None,
    ) -> None:
        self.journeys = journeys
        self.destinations = destinations
        self.redis = redis
        self.graph = graph
        self.engine = engine
        self.consumer = consumer
        self.batch = batch
        self.stream = WorkspaceKeys(graph.ws).changes

    async def ensure_group(self) -> None:
        try:
            await self.redis.xgroup_create(self.stream, GROUP, id="$", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def step(self, block_ms: int = 1000, pending: bool = False) -> int:
        """One batch: read, evaluate, acknowledge. Returns how many entries it handled."""
        reply = await self.redis.xreadgroup(
            GROUP,
            self.consumer,
            {self.stream: "0" if pending else ">"},
            count=self.batch,
            block=None if pending else block_ms,
        )
        entries: list[tuple[Any, Any]] = reply[0][1] if reply else []
        if not entries:
            return 0
        changes = ProfileChanges()
        owners: dict[str, set[str]] = {}
        for _, fields in entries:
            entry = decode_entry(fields) if fields else None
            if entry is None:
                continue
            for notice in entry.notices:
                changes.add(notice.profile_id, notice.kind, notice.related)
            for key, name in entry.events:
                owners.setdefault(key, set()).add(name)
        if owners:
            rows = await self.graph.read("segments/owner_profiles", keys=sorted(owners))
            for row in rows:
                for name in owners[row["key"]]:
                    changes.add_event(row["profile"], name)
        if changes.profiles:
            memberships = await self.engine.on_changes(changes)
            if self.journeys is not None:
                await self.journeys.on_changes(changes, memberships)
            if self.destinations is not None:
                await self.destinations.enqueue(changes, memberships)
        ids = [entry_id for entry_id, _ in entries]
        pipe = self.redis.pipeline(transaction=False)
        pipe.xack(self.stream, GROUP, *ids)
        pipe.xdel(self.stream, *ids)
        await pipe.execute()
        return len(entries)

    async def run(self, stop: asyncio.Event) -> None:
        await self.ensure_group()
        pending = True  # first what a previous run (or a failed round) left unacknowledged
        backoff = Backoff(0.5, 10.0)
        while not stop.is_set():
            try:
                handled = await self.step(pending=pending)
                pending = pending and handled > 0
                backoff.reset()
            except UNREACHABLE as exc:
                pending = True
                delay = backoff.next()
                log.warning(
                    "change dispatcher waits for a backing service (%s); retrying in %.1f s",
                    type(exc).__name__,
                    delay,
                )
                await pause(stop, delay)
            except Exception:
                log.exception("segment evaluation failed; retrying")
                pending = True
                await pause(stop, backoff.next())
