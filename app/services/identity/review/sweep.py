"""The sweep that fills the review queue from what the identity rules refused, and closes
what no longer asks anything. It reads the graph the resolver wrote; it never slows a write.

- every link refused because the union would hold two values of a capped type that is not a
  session type (`type_cap:user_id`...) becomes one `contended_identifier` per pair of values;
- every generic identifier becomes one `generic_value`, with the rule that caught it;
- an open suggestion whose question is gone (its profiles joined by later evidence, its value
  blocked) is closed as `settled`.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from app.domain.identity import IdentityRules
from app.domain.identity.evidence import TYPE_CAP
from app.domain.review import question_gone
from app.ports.review import NewSuggestion, SuggestionStore
from app.services.identity.curation import CurationService

#: Suggestions of each kind filed per sweep at most; the next sweep takes the rest.
SWEEP_LIMIT = 500
#: Open suggestions looked at per sweep to settle.
SETTLE_LIMIT = 5000
PAGE = 1000


@dataclass(frozen=True)
class SweepReport:
    contended: int
    generic: int
    settled: int


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

    def contended_refusals(self) -> list[str]:
        """The refusals that name a contended identifier: a cap of a type that is not a
        session type (over a session type's cap the oldest sessions make room instead)."""
        return sorted(
            f"{TYPE_CAP}:{kind}"
            for kind in self.rules.type_caps
            if kind not in self.rules.session_types
        )

    async def sweep(self, limit: int = SWEEP_LIMIT) -> SweepReport:
        pairs = await self.store.contended_pairs(self.contended_refusals(), limit)
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
        found = await self.curation.generic_identifiers(min(limit, 1000))
        generic = [
            NewSuggestion(
                id=self.new_id(),
                kind="generic_value",
                subject=f"generic:{g.key}",
                rule=self.curation.caught_by(g),
                identifiers=(g.key,),
            )
            for g in found
        ]
        now = self.clock()
        filed_contended = await self.store.file(contended, now)
        filed_generic = await self.store.file(generic, now)
        return SweepReport(filed_contended, filed_generic, await self.settle())

    async def settle(self) -> int:
        """Close the open suggestions whose question is gone."""
        gone: list[str] = []
        for offset in range(0, SETTLE_LIMIT, PAGE):
            page = await self.store.suggestions("open", None, PAGE, offset)
            gone += [s.id for s in page if question_gone(s)]
            if len(page) < PAGE:
                break
        now = self.clock()
        settled = 0
        for id in gone:
            settled += await self.store.decide(id, "settled", "review sweep", None, now)
        return settled
