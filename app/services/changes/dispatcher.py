"""The change dispatcher: profile changes from the feed, fanned out to segments, journeys and
destinations.

Everything that changes a profile (the resolver, curation, traits, consent, erasure) publishes
its notices to the change feed (`ProfileNotifier`); the dispatcher reads them with a consumer
group, resolves event owners to profiles, evaluates only the segments concerned, hands the
changes and the memberships they moved to journeys and destinations, and acknowledges (and
deletes) the entries once done. A crash re-delivers what was not acknowledged.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from app.ports.changes import ChangeFeed, FeedEntry, OwnerProfiles
from app.ports.segments import MembershipChange
from app.services.changes.profile_changes import ProfileChanges
from app.supervision import UNREACHABLE, Backoff, pause

log = logging.getLogger(__name__)


class Segments(Protocol):
    async def on_changes(self, changes: ProfileChanges) -> list[MembershipChange]:
        """Decide the segments the changes concern; the memberships that moved."""
        ...


class Journeys(Protocol):
    async def on_changes(
        self, changes: ProfileChanges, memberships: list[MembershipChange]
    ) -> int: ...


class Destinations(Protocol):
    async def enqueue(
        self, changes: ProfileChanges, memberships: list[MembershipChange]
    ) -> int: ...


class ChangeDispatcher:
    def __init__(
        self,
        feed: ChangeFeed,
        owners: OwnerProfiles,
        engine: Segments,
        consumer: str = "segments-1",
        batch: int = 200,
        journeys: Journeys | None = None,
        destinations: Destinations | None = None,
    ) -> None:
        self.feed = feed
        self.owners = owners
        self.engine = engine
        self.journeys = journeys
        self.destinations = destinations
        self.consumer = consumer
        self.batch = batch

    async def ensure_group(self) -> None:
        await self.feed.ensure_group()

    async def step(self, block_ms: int = 1000, pending: bool = False) -> int:
        """One batch: read, evaluate, acknowledge. Returns how many entries it handled."""
        if pending:
            entries = await self.feed.read_pending(self.consumer, self.batch)
        else:
            entries = await self.feed.read_new(self.consumer, self.batch, block_ms)
        if not entries:
            return 0
        changes = await self._gather(entries)
        if changes.profiles:
            memberships = await self.engine.on_changes(changes)
            if self.journeys is not None:
                await self.journeys.on_changes(changes, memberships)
            if self.destinations is not None:
                await self.destinations.enqueue(changes, memberships)
        await self.feed.ack([entry.id for entry in entries])
        return len(entries)

    async def _gather(self, entries: list[FeedEntry]) -> ProfileChanges:
        """The entries' notices, and their events credited to the profiles that own them now."""
        changes = ProfileChanges()
        owners: dict[str, set[str]] = {}
        for entry in entries:
            for notice in entry.notices:
                changes.add(notice.profile_id, notice.kind, notice.related)
            for key, name in entry.events:
                owners.setdefault(key, set()).add(name)
        if owners:
            for key, profile in (await self.owners.profiles_of(sorted(owners))).items():
                for name in owners[key]:
                    changes.add_event(profile, name)
        return changes

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
