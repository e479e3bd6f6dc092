"""What sending one message and waiting for it needs from storage: the profile its event
resolved to, once the resolver has written it."""

from __future__ import annotations

from typing import Protocol


class ResolvedEvents(Protocol):
    #: The workspace the events are stored in (event ids are derived from it).
    ws: str

    async def profile_of(self, event_id: str) -> str | None:
        """The active profile of a stored event; None while the event is not written."""
