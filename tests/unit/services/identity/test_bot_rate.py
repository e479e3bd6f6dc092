"""The sweep's bot check on a store that answers from tables: who is filed, and who is not
read again (an identifier whose new events cannot take it over the rate)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from app.ports.review import (
    AtCapQuery,
    BotSuspect,
    ContendedPair,
    NewSuggestion,
    ProfileAtCap,
    SettleCursor,
    SettledPage,
)
from app.services.identity.review.sweep import ConflictSweep
from tests.support.identity_world import config_rules

NOW = 1_800_000_000.0


@dataclass
class Store:
    """Events in all and in the window per identifier, as the queries would count them."""

    events: dict[str, int] = field(default_factory=dict)
    recent: dict[str, int] = field(default_factory=dict)
    filed_rows: list[NewSuggestion] = field(default_factory=list)
    #: The keys each pass read the window of.
    read: list[list[str]] = field(default_factory=list)

    async def bot_candidates(self, since: float, min_events: int) -> dict[str, int]:
        filed = {r.subject for r in self.filed_rows}
        return {k: n for k, n in self.events.items() if n > min_events and f"bot:{k}" not in filed}

    async def recent_events(self, keys: Sequence[str], window_seconds: float) -> list[BotSuspect]:
        self.read.append(list(keys))
        return [BotSuspect(k, "anonymous_id", self.recent[k]) for k in keys]

    async def file(self, rows: Sequence[NewSuggestion], at: float) -> int:
        self.filed_rows += rows
        return len(rows)

    async def contended_pairs(self, *args: Any) -> list[ContendedPair]:
        return []

    async def profiles_at_cap(self, at: AtCapQuery, since: float, limit: int) -> list[ProfileAtCap]:
        return []

    async def refused_since(self, refusal: str, since: float) -> bool:
        return False

    async def release_claims(self, before: float) -> int:
        return 0

    async def settle(
        self, by: str, at: float, after: SettleCursor | None, limit: int
    ) -> SettledPage:
        return SettledPage(0, 0, None)


class Curation:
    async def generic_identifiers(self, limit: int, *, unfiled: bool = False) -> list[Any]:
        return []


async def test_an_identifier_is_read_again_only_when_its_new_events_could_make_it_a_bot() -> None:
    store = Store(events={"crawler": 1500, "busy": 1100}, recent={"crawler": 1200, "busy": 10})
    curation: Any = Curation()
    sweep = ConflictSweep(store, curation, config_rules(), lambda: NOW)  # type: ignore[arg-type]

    first = await sweep.sweep()
    assert first.bots == 1 and store.read == [["busy", "crawler"]]
    assert [(r.kind, r.subject, r.rule) for r in store.filed_rows] == [
        ("bot_suspect", "bot:crawler", "bot_rate:1200")
    ]

    store.events["busy"] = 1150  # 50 more: at most 60 in the window, far under 1,000
    await sweep.sweep()
    assert store.read[1:] == []

    store.events["busy"] = 2200  # 1,100 more: it could be over now, so it is read again
    store.recent["busy"] = 1050
    third = await sweep.sweep()
    assert store.read[1:] == [["busy"]] and third.bots == 1
    assert store.filed_rows[-1].subject == "bot:busy"
