"""What the review queue needs from storage: suggestions filed, listed and decided, and the
refused links that become conflicts. Every call is scoped to the store's workspace."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from app.domain.review import (
    CaughtCounts,
    FieldVerdict,
    Suggestion,
    SuggestionKind,
    SuggestionStatus,
)


@dataclass(frozen=True)
class ContendedPair:
    """Two values of a capped type whose profiles a refused link would join (the oldest value
    of that type in each end's profile), with the refusal."""

    a: str
    b: str
    refusal: str


@dataclass(frozen=True)
class BotSuspect:
    """An identifier and how many events it sent within the bot rate's window."""

    key: str
    type: str
    events: int


@dataclass(frozen=True)
class ProfileAtCap:
    """A profile that let sessions go at a cap: the identifier holding it together, the
    profile and the refusal (`type_cap:anonymous_id`, `total_cap`)."""

    key: str
    profile: str
    refusal: str


#: Where a settling pass stopped: the last open suggestion it read (created at, id).
SettleCursor = tuple[float, str]


@dataclass(frozen=True)
class SettledPage:
    """One page of settling: how many were settled, how many open ones were read, and the
    last one read (None when there was none)."""

    settled: int
    read: int
    last: SettleCursor | None


@dataclass(frozen=True)
class AtCapQuery:
    """What makes a profile at a cap: links refused with `refusals`, and still holding
    `min_sessions` identifiers of the `sessions` types or `total_cap` in all."""

    refusals: tuple[str, ...]
    sessions: tuple[str, ...]
    min_sessions: int
    total_cap: int
    priority: tuple[str, ...]


@dataclass(frozen=True)
class NewSuggestion:
    """A suggestion to file. `subject` names the question (one suggestion per subject, ever:
    filing it again changes nothing, so a dismissed question stays dismissed)."""

    id: str
    kind: SuggestionKind
    subject: str
    rule: str | None = None
    probability: float | None = None
    weight: float | None = None
    verdicts: tuple[FieldVerdict, ...] = ()
    #: identifier keys and profile ids it is about
    identifiers: tuple[str, ...] = ()
    profiles: tuple[str, ...] = ()


class SuggestionStore(Protocol):
    async def contended_pairs(
        self, refusals: Sequence[str], since: float, limit: int
    ) -> list[ContendedPair]:
        """At most `limit` pairs of contending values behind links refused since `since`
        with one of `refusals` (`type_cap:<type>`), whose subject has not been filed yet."""

    async def bot_candidates(self, since: float, min_events: int) -> dict[str, int]:
        """The owners of events stamped since `since` that sent more than `min_events`
        events in all, not blocked and not filed as bot suspects: key -> events."""

    async def recent_events(self, keys: Sequence[str], window_seconds: float) -> list[BotSuspect]:
        """For each of `keys`: how many of its events are stamped within `window_seconds` of
        its latest one."""

    async def profiles_at_cap(self, at: AtCapQuery, since: float, limit: int) -> list[ProfileAtCap]:
        """At most `limit` profiles that let identifiers go since `since` with one of the
        query's refusals and are at one of its caps still, each with its anchor (its oldest
        identifier of the highest-priority type), whose subject has not been filed yet."""

    async def refused_since(self, refusal: str, since: float) -> bool:
        """Whether any link was refused with `refusal` since `since`."""

    async def filed(self, subjects: Sequence[str]) -> set[str]:
        """Those of `subjects` filed already, whatever became of them."""

    async def file(self, rows: Sequence[NewSuggestion], at: float) -> int:
        """File the suggestions whose subject is new and whose identifiers and active
        profiles are all still there (a pair of profiles: not kept apart by a NEVER pair);
        how many were filed."""

    async def suggestions(
        self,
        statuses: Sequence[SuggestionStatus],
        kind: SuggestionKind | None,
        limit: int,
        offset: int = 0,
    ) -> list[Suggestion]:
        """Newest first, with the identifiers and active profiles each is about now."""

    async def suggestion(self, id: str) -> Suggestion | None:
        """One suggestion of this workspace, or None."""

    async def claim(self, id: str, token: str, by: str, at: float) -> bool:
        """Mark an open suggestion `deciding` under `token`; False if it is not open."""

    async def close(
        self, id: str, token: str, status: SuggestionStatus, by: str, note: str | None, at: float
    ) -> bool:
        """End the claim `token` with `status` (`open` gives it back undecided)."""

    async def settle(
        self, by: str, at: float, after: SettleCursor | None, limit: int
    ) -> SettledPage:
        """Read the next `limit` open suggestions after `after` (None: from the oldest) and
        close as `settled` those whose question is gone."""

    async def release_claims(self, before: float) -> int:
        """Give back the claims taken before `before` (a decision that died half-way)."""

    async def caught(self) -> CaughtCounts:
        """Refused links by refusal, generic identifiers by type, suggestions by kind and
        status."""
