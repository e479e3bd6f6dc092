"""Listing and deciding suggestions. Accepting acts on the graph through the operator actions
of `CurationService` (a join, a block); dismissing a contended identifier keeps the two values
apart for good. A suggestion is closed only once its action is done, so a decision cut short
leaves it open to be decided again."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from app.domain.review import KINDS, STATUSES, Suggestion, SuggestionKind, SuggestionStatus
from app.errors import Conflict, InvalidInput, NotFound
from app.ports.review import SuggestionStore
from app.services.identity.curation import CurationService, IdentifierRef

MAX_LIST = 1000


@dataclass(frozen=True)
class Decision:
    """What deciding a suggestion did: the suggestion as it stands now, the profile the
    subjects belong to after an accepted join, or the rule that refused the action (then the
    suggestion stays open)."""

    suggestion: Suggestion
    profile_id: str | None = None
    refusal: str | None = None


class ReviewQueue:
    def __init__(
        self,
        store: SuggestionStore,
        curation: CurationService,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.curation = curation
        self.clock = clock

    async def suggestions(
        self,
        status: SuggestionStatus | None = "open",
        kind: SuggestionKind | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[Suggestion]:
        if not 1 <= limit <= MAX_LIST:
            raise InvalidInput(f"limit must be between 1 and {MAX_LIST}")
        if offset < 0:
            raise InvalidInput("offset must not be negative")
        if status is not None and status not in STATUSES:
            raise InvalidInput(f"status: expected one of {', '.join(STATUSES)}")
        if kind is not None and kind not in KINDS:
            raise InvalidInput(f"kind: expected one of {', '.join(KINDS)}")
        return await self.store.suggestions(status, kind, limit, offset)

    async def suggestion(self, id: str) -> Suggestion:
        found = await self.store.suggestion(id) if 0 < len(id) <= 64 else None
        if found is None:
            raise NotFound(f"no suggestion {id!r} in this workspace")
        return found

    async def _open(self, id: str) -> Suggestion:
        found = await self.suggestion(id)
        if found.status != "open":
            raise Conflict(f"suggestion {id} is already {found.status}")
        return found

    async def _close(
        self, s: Suggestion, status: SuggestionStatus, by: str, note: str | None
    ) -> Suggestion:
        if not await self.store.decide(s.id, status, by, note, self.clock()):
            current = await self.suggestion(s.id)
            raise Conflict(f"suggestion {s.id} was {current.status} meanwhile")
        return await self.suggestion(s.id)

    async def accept(self, id: str, by: str, note: str | None = None) -> Decision:
        """Do what the suggestion proposes: join the two profiles (a likely same person, a
        contended identifier) or block the generic value."""
        s = await self._open(id)
        if s.kind == "generic_value":
            if not s.identifiers:
                raise Conflict(f"suggestion {id}: its identifier is gone")
            done = await self.curation.set_blocked(
                IdentifierRef.by_key(s.identifiers[0].key), True, by
            )
            return Decision(await self._close(s, "accepted", by, note), done.profile)
        if len(s.profiles) < 2:
            # Joined meanwhile (by later evidence or another decision): nothing left to do.
            closed = await self._close(s, "settled", by, note)
            return Decision(closed, s.profiles[0] if s.profiles else None)
        first, second = s.profiles[0], s.profiles[1]
        merged = await self.curation.join_as_one((first, second), f"suggestion {s.id}", by)
        if merged.profile_id is None:
            return Decision(s, refusal=merged.conflict or "refused by the identity rules")
        return Decision(await self._close(s, "accepted", by, note), merged.profile_id)

    async def dismiss(self, id: str, by: str, note: str | None = None) -> Decision:
        """Say no: a contended identifier's two values are kept apart for good (a NEVER
        pair); other kinds are only closed, and never filed again."""
        s = await self._open(id)
        if s.kind == "contended_identifier" and len(s.identifiers) == 2:
            a, b = s.identifiers
            if a.profile is not None and a.profile == b.profile:
                raise Conflict(f"suggestion {id}: the two values share a profile now")
            await self.curation.keep_apart(a.key, b.key, by, f"suggestion {s.id} dismissed")
        return Decision(await self._close(s, "dismissed", by, note))
