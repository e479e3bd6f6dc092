"""Listing and deciding suggestions. Accepting acts on the graph through the operator actions
of `CurationService` (a join, a block); dismissing a contended identifier keeps the two values
apart for good. A decision first claims its suggestion (`deciding`), so two operators, or an
operator and the sweep, cannot decide it at once; the claim ends with the outcome, or gives
the suggestion back open when the action is refused or fails. A claim whose process died is
given back by the sweep after `CLAIM_SECONDS`."""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from app.domain.review import (
    BLOCKING_KINDS,
    KINDS,
    STATUSES,
    CaughtCounts,
    Suggestion,
    SuggestionKind,
    SuggestionStatus,
)
from app.errors import Conflict, InvalidInput, NotFound
from app.ports.review import SuggestionStore
from app.services.identity.curated import IdentifierRef
from app.services.identity.curation import CurationService

MAX_LIST = 1000
#: A note is the operator's own words: kept short, and shown to every role that may read.
MAX_NOTE = 500
#: Longer than any decision takes.
CLAIM_SECONDS = 600.0


@dataclass(frozen=True)
class Decision:
    """What deciding a suggestion did: the suggestion as it stands now, the profile the
    subjects belong to after an accepted join, or the rule that refused the action (then the
    suggestion stays open)."""

    suggestion: Suggestion
    profile_id: str | None = None
    refusal: str | None = None


#: An action on the graph: the profile after it, or the rule that refused it.
_Action = Callable[[Suggestion, str], Awaitable[tuple[str | None, str | None]]]


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
        statuses = STATUSES if status is None else (status,)
        return await self.store.suggestions(statuses, kind, limit, offset)

    async def caught(self) -> CaughtCounts:
        """What the rules caught, in counts: refused links by refusal, generic identifiers by
        type, suggestions by kind and status."""
        return await self.store.caught()

    async def suggestion(self, id: str) -> Suggestion:
        found = await self.store.suggestion(id) if 0 < len(id) <= 64 else None
        if found is None:
            raise NotFound("no suggestion with that id in this workspace")
        return found

    async def accept(self, id: str, by: str, note: str | None = None) -> Decision:
        """Do what the suggestion proposes: join the two profiles (a likely same person, a
        contended identifier) or block its identifier (a generic value, a bot suspect, the
        anchor of a profile at a cap)."""
        return await self._decide(id, by, note, "accepted", self._accepting)

    async def dismiss(self, id: str, by: str, note: str | None = None) -> Decision:
        """Say no: a contended identifier's two values are kept apart for good (a NEVER
        pair); other kinds are only closed, and never filed again."""
        return await self._decide(id, by, note, "dismissed", self._dismissing)

    async def _decide(
        self, id: str, by: str, note: str | None, outcome: SuggestionStatus, act: _Action
    ) -> Decision:
        if note is not None and len(note) > MAX_NOTE:
            raise InvalidInput(f"note: at most {MAX_NOTE} characters")
        token = uuid.uuid4().hex
        if not 0 < len(id) <= 64 or not await self.store.claim(id, token, by, self.clock()):
            current = await self.suggestion(id)  # NotFound when there is none
            raise Conflict(f"the suggestion is already {current.status}")
        profile: str | None = None
        refusal: str | None = None
        try:
            # Read under the claim: nothing else decides it now.
            s = await self.suggestion(id)
            if outcome == "accepted" and s.kind not in BLOCKING_KINDS and len(s.profiles) < 2:
                # Joined meanwhile (later evidence, another decision): nothing left to do.
                outcome = "settled"
                profile = s.profiles[0] if s.profiles else None
            else:
                profile, refusal = await act(s, by)
        except NotFound:
            # A profile or identifier it names went (erased, merged away) since it was read.
            refusal = "what it is about is gone"
        except BaseException:
            await self.store.close(id, token, "open", by, None, self.clock())
            raise
        if refusal is not None:
            await self.store.close(id, token, "open", by, None, self.clock())
            return Decision(await self.suggestion(id), refusal=refusal)
        await self.store.close(id, token, outcome, by, note, self.clock())
        return Decision(await self.suggestion(id), profile)

    async def _accepting(self, s: Suggestion, by: str) -> tuple[str | None, str | None]:
        if s.kind in BLOCKING_KINDS:
            if not s.identifiers:
                return None, "its identifier is gone"
            ref = IdentifierRef.by_key(s.identifiers[0].key)
            return (await self.curation.set_blocked(ref, True, by)).profile, None
        pair = None
        if s.kind == "contended_identifier" and len(s.identifiers) == 2:
            pair = (s.identifiers[0].key, s.identifiers[1].key)
        merged = await self.curation.join_as_one(
            (s.profiles[0], s.profiles[1]), f"suggestion {s.id}", by, pair=pair
        )
        if merged.profile_id is None:
            return None, merged.conflict or "refused by the identity rules"
        return merged.profile_id, None

    async def _dismissing(self, s: Suggestion, by: str) -> tuple[str | None, str | None]:
        if s.kind != "contended_identifier" or len(s.identifiers) != 2:
            return None, None
        a, b = s.identifiers
        try:
            done = await self.curation.keep_apart(a.key, b.key, by, f"suggestion {s.id}")
        except Conflict:
            return None, "the two values share a profile now"
        return done.profile, None
