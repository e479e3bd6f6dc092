"""Sending one message through the pipeline and waiting for its resolution (GraphQL `track`
and `identify`): the message is accepted into the stream like any tracker's, and the answer
is read back from the graph once the resolver has written it. Nothing writes beside the
resolver."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from app.domain.messages import TrackedMessage
from app.ports.sending import ResolvedEvents
from app.services.identity.ingestion import event_id
from app.services.tracking.acceptance import AcceptanceService
from app.services.tracking.sources import Source


class MessageSender:
    def __init__(
        self,
        acceptance: AcceptanceService,
        events: ResolvedEvents,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.acceptance = acceptance
        self.events = events
        self.clock = clock

    async def send_and_wait(
        self, source: Source, message: TrackedMessage, timeout: float
    ) -> str | None:
        """The profile the message resolved to, or None if it is not resolved within
        `timeout` seconds (it is accepted all the same and will be)."""
        await self.acceptance.accept(source, [message])
        eid = event_id(self.events.ws, message)
        deadline = self.clock() + timeout
        delay = 0.02
        while True:
            profile = await self.events.profile_of(eid)
            if profile is not None:
                return profile
            if self.clock() >= deadline:
                return None
            await asyncio.sleep(delay)
            delay = min(delay * 1.5, 0.25)
