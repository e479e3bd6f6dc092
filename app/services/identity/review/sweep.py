"""The sweep that fills the review queue from what the identity rules refused, and closes
what no longer asks anything. It reads the graph the resolver wrote; it never slows a write.

- every link refused because the union would hold two values of a capped type that is not a
  session type (`type_cap:user_id`...) becomes one `contended_identifier` per pair of values;
- every generic identifier becomes one `generic_value`, with the rule that caught it;
- every profile that let its oldest sessions go at a session type's cap or the total cap
  becomes one `profile_at_cap`, about the identifier holding it together;
- every identifier over the bot rate (more than `bot_events` events within
  `bot_window_hours` of its latest) becomes one `bot_suspect`;
- an open suggestion whose question is gone (its profiles joined by later evidence or merged
  into a third, its value blocked) is closed as `settled`;
- a claim a decision never ended (its process died) is given back, open.

Generic identifiers not filed yet are read most linked first, at most a pass's limit; the
next pass takes the rest.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from app.domain.identity import IdentityRules
from app.domain.identity.evidence import GENERIC, TOTAL_CAP, TYPE_CAP
from app.ports.review import (
    AtCapQuery,
    NewSuggestion,
    SettleCursor,
    SuggestionStore,
)
from app.services.identity.curation import CurationService
from app.services.identity.review.queue import CLAIM_SECONDS

#: Suggestions of each kind filed per sweep at most; the next sweep takes the rest.
SWEEP_LIMIT = 500
#: Open suggestions read per pass to settle those whose question is gone.
SETTLE_PAGE = 2000
SWEEPER = "review sweep"
#: Generic identifiers read per pass at most (the listing's own bound).
GENERIC_PAGE = 1000
#: How far back a pass reads before the start of the one before it.
SINCE_MARGIN_SECONDS = 300.0
#: How far back the first pass of a process reads events for bot suspects: owners of
#: events stamped since then are checked (an older burst that stopped is no bot at work).
BOT_LOOK_BACK_SECONDS = 900.0
#: How far back the first pass of a process reads links let go at a cap.
AT_CAP_LOOK_BACK_SECONDS = 86_400.0
#: Identifiers whose last bot check a sweep remembers (forgotten all at once past this).
CHECKED_LIMIT = 100_000


@dataclass(frozen=True)
class SweepReport:
    contended: int
    generic: int
    settled: int
    bots: int = 0
    at_cap: int = 0


def new_suggestion_id() -> str:
    return str(uuid.uuid4())


class ConflictSweep:
    def __init__(
        self,
        store: SuggestionStore,
        curation: CurationService,
        rules: IdentityRules,
        clock: Callable[[], float] = time.time,
        new_id: Callable[[], str] = new_suggestion_id,
    ) -> None:
        self.store = store
        self.curation = curation
        self.rules = rules
        self.clock = clock
        self.new_id = new_id
        #: Decision time of the links the last complete pass covered (0: none yet).
        self._since = 0.0
        #: Identifiers checked against the bot rate: key -> (events in all, events in the
        #: window) when checked.
        self._checked: dict[str, tuple[int, int]] = {}
        #: Where the last pass stopped settling (the open suggestions are read a page a pass).
        self._settle_after: SettleCursor | None = None

    def contended_refusals(self) -> list[str]:
        """The refusals that name a contended identifier: a cap of a type that is not a
        session type (over a session type's cap the oldest sessions make room instead)."""
        return sorted(
            f"{TYPE_CAP}:{kind}"
            for kind in self.rules.type_caps
            if kind not in self.rules.session_types
        )

    async def sweep(self, limit: int = SWEEP_LIMIT) -> SweepReport:
        """File what was refused or caught since the last complete pass (everything, the
        first time a process sweeps), then settle and give back dead claims."""
        started = self.clock()
        since = self._since
        pairs = await self.store.contended_pairs(self.contended_refusals(), since, limit)
        contended = [
            NewSuggestion(
                id=self.new_id(),
                kind="contended_identifier",
                subject=f"contended:{p.a}|{p.b}",
                rule=p.refusal,
                identifiers=(p.a, p.b),
            )
            for p in pairs
        ]
        generic = await self._generic(since, limit)
        bots = await self._bots(since, started, limit)
        at_cap = await self._at_cap(since, started, limit)
        now = self.clock()
        filed_contended = await self.store.file(contended, now)
        filed_generic = await self.store.file(generic, now)
        filed_bots = await self.store.file(bots, now)
        filed_at_cap = await self.store.file(at_cap, now)
        whole = len(pairs) < limit and len(bots) < limit and len(at_cap) < limit
        if whole and len(generic) < min(limit, GENERIC_PAGE):
            # Complete: the next pass reads only what was decided since (a margin for
            # transactions that committed after this pass read).
            self._since = started - SINCE_MARGIN_SECONDS
        await self.store.release_claims(now - CLAIM_SECONDS)
        settled = await self._settle(now)
        return SweepReport(filed_contended, filed_generic, settled, filed_bots, filed_at_cap)

    async def _settle(self, now: float) -> int:
        """Settle one page of the open suggestions, taking up where the last pass stopped and
        starting over after the newest: a long queue costs each pass the same."""
        page = await self.store.settle(SWEEPER, now, self._settle_after, SETTLE_PAGE)
        self._settle_after = page.last if page.read == SETTLE_PAGE else None
        return page.settled

    async def _generic(self, since: float, limit: int) -> list[NewSuggestion]:
        """Generic identifiers not filed yet, most linked first; read only when a link was
        refused `generic` since the last pass (an identifier turning generic refuses all its
        links)."""
        if since > 0 and not await self.store.refused_since(GENERIC, since):
            return []
        found = await self.curation.generic_identifiers(min(limit, GENERIC_PAGE), unfiled=True)
        return [
            NewSuggestion(
                id=self.new_id(),
                kind="generic_value",
                subject=f"generic:{g.key}",
                rule=self.curation.caught_by(g),
                identifiers=(g.key,),
            )
            for g in found
        ]

    def at_cap_query(self) -> AtCapQuery:
        """A profile at a cap: it let links go at a session type's cap or the total cap, and
        holds as many sessions as the smallest session cap, or the total cap, still."""
        sessions = tuple(sorted(self.rules.session_types))
        caps = [self.rules.type_caps[t] for t in sessions if t in self.rules.type_caps]
        refusals = sorted({*(f"{TYPE_CAP}:{t}" for t in sessions), TOTAL_CAP})
        return AtCapQuery(
            refusals=tuple(refusals),
            sessions=sessions,
            min_sessions=min(caps, default=self.rules.total_cap),
            total_cap=self.rules.total_cap,
            priority=tuple(self.rules.type_priority),
        )

    async def _at_cap(self, since: float, now: float, limit: int) -> list[NewSuggestion]:
        """Profiles at a cap that let sessions go since the last pass (the first pass of a
        process: the last `AT_CAP_LOOK_BACK_SECONDS`; a profile at its cap lets one go at
        each new session, so an active one is found then)."""
        start = since if since > 0 else now - AT_CAP_LOOK_BACK_SECONDS
        found = await self.store.profiles_at_cap(self.at_cap_query(), start, limit)
        return [
            NewSuggestion(
                id=self.new_id(),
                kind="profile_at_cap",
                subject=f"at_cap:{f.key}",
                rule=f.refusal,
                identifiers=(f.key,),
                profiles=(f.profile,),
            )
            for f in found
        ]

    async def _bots(self, since: float, now: float, limit: int) -> list[NewSuggestion]:
        """Identifiers over the bot rate among those whose events are stamped since the last
        pass (the first pass of a process: the last `BOT_LOOK_BACK_SECONDS`; a bot still at
        it is active then, and its rate is counted over its own events, however old).

        An identifier checked before is read again only if the events it gained since could
        take it over the rate: its count in the window then, plus every event since, is an
        upper bound of its count now (the window only moves forward)."""
        window = self.rules.bot_window_hours * 3600.0
        start = since if since > 0 else now - BOT_LOOK_BACK_SECONDS
        limit_events = self.rules.bot_events
        candidates = await self.store.bot_candidates(start, limit_events)
        unsure = [
            key
            for key, events in sorted(candidates.items())
            if key not in self._checked
            or events - self._checked[key][0] + self._checked[key][1] > limit_events
        ]
        found = await self.store.recent_events(unsure, window) if unsure else []
        if len(self._checked) > CHECKED_LIMIT:
            self._checked.clear()
        self._checked.update((b.key, (candidates[b.key], b.events)) for b in found)
        over = sorted((b for b in found if b.events > limit_events), key=lambda b: -b.events)
        return [
            NewSuggestion(
                id=self.new_id(),
                kind="bot_suspect",
                subject=f"bot:{b.key}",
                rule=f"bot_rate:{b.events}",
                identifiers=(b.key,),
            )
            for b in over[:limit]
        ]
