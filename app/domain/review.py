"""The review queue's words: what the platform suspects, and what deciding it does.

A suggestion never changes the graph by itself. It names a suspicion the rules could not
settle alone and the action an operator may take on it:

- ``likely_same_person`` (a ``MergeSuggestion``): two profiles that share no identifier but
  whose traits (names, birthday, address, phone) a record-linkage model scores as one person.
  Accepting joins them; dismissing closes the question: the pair is never suggested again
  (nothing is written to the graph, so later evidence may still join them).
- ``contended_identifier`` (a ``Conflict``): a link the rules refused because the union would
  hold two values of a capped type (two user ids on one e-mail address: a household, or two
  accounts of one human). Accepting says "one person": the two values are joined as an alias
  joins an old user id to a new one. Dismissing says "two people": the values are kept apart
  for good (a NEVER pair), so the refusal is no longer a question.
- ``generic_value`` (a ``Conflict``): an identifier the rules caught as generic (a shared
  address, a junk value). Accepting says "junk": the identifier is blocked, so it stays out
  even if its counts fall. Dismissing leaves the rules' decision as it is.
- ``bot_suspect`` (a ``Conflict``): an identifier that sent events faster than the bot rate
  (``bot_events`` within ``bot_window_hours``): a crawler, a script. Accepting says "a bot":
  the identifier is blocked, so it links nobody (its events stay). Dismissing says "a busy
  person": it is never filed again.
- ``profile_at_cap`` (a ``Conflict``): a profile that reached a session type's cap or the
  total cap, so its oldest sessions leave it: a person with very many browsers, or a login
  several people share. Accepting says "shared": the identifier holding the profile together
  (its user id, usually) is blocked, so it joins nobody. Dismissing says "one person": the
  oldest sessions go on leaving as the caps say, and it is not asked again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

SuggestionKind = Literal[
    "likely_same_person", "contended_identifier", "generic_value", "bot_suspect", "profile_at_cap"
]
#: The kinds an accept answers by blocking their one identifier.
BLOCKING_KINDS: frozenset[SuggestionKind] = frozenset(
    {"generic_value", "bot_suspect", "profile_at_cap"}
)
SuggestionStatus = Literal["open", "deciding", "accepted", "dismissed", "settled"]

KINDS: tuple[SuggestionKind, ...] = get_args(SuggestionKind)
STATUSES: tuple[SuggestionStatus, ...] = get_args(SuggestionStatus)

#: The Neo4j label beside ``Suggestion`` each kind carries (what Neo4j Browser colours).
LABELS: dict[SuggestionKind, str] = {
    "likely_same_person": "MergeSuggestion",
    "contended_identifier": "Conflict",
    "generic_value": "Conflict",
    "bot_suspect": "Conflict",
    "profile_at_cap": "Conflict",
}


@dataclass(frozen=True)
class FieldVerdict:
    """How one trait compared in a likely-same-person pair: its name, the level it reached
    (`exact`, `similar`, `different`, `missing`...) and the match weight that level added,
    log2(m/u) (0 for a missing field, and for one whose group counted a stronger member
    instead). Never a value."""

    field: str
    level: str
    weight: float


@dataclass(frozen=True)
class SuggestedIdentifier:
    """An identifier a suggestion is about: its node key and type (never its value), and the
    active profile it belongs to now."""

    key: str
    type: str
    profile: str | None
    generic: bool = False
    blocked: bool = False


@dataclass(frozen=True)
class Suggestion:
    """One entry of the review queue, as stored and listed."""

    id: str
    kind: SuggestionKind
    status: SuggestionStatus
    created_at: float
    #: the refusal behind a conflict (`type_cap:user_id`, `generic_degree`...)
    rule: str | None
    #: a likely-same-person pair's match probability and weight, and their explanation
    probability: float | None
    weight: float | None
    verdicts: tuple[FieldVerdict, ...]
    identifiers: tuple[SuggestedIdentifier, ...]
    #: the active profiles it is about now (merged ids followed to the profile they joined)
    profiles: tuple[str, ...]
    decided_at: float | None = None
    decided_by: str | None = None
    note: str | None = None

    @property
    def label(self) -> str:
        return LABELS[self.kind]


@dataclass(frozen=True)
class CaughtCounts:
    """What the rules caught in a workspace, in counts (never a value): refused links by
    refusal, generic identifiers by type, suggestions by (kind, status)."""

    refusals: dict[str, int]
    generic: dict[str, int]
    suggestions: dict[tuple[str, str], int]


def explanation(s: Suggestion) -> str:
    """One sentence an operator reads before deciding (no personal value in it)."""
    if s.kind == "likely_same_person":
        strong = [v.field for v in sorted(s.verdicts, key=lambda v: -v.weight) if v.weight > 0]
        weak = [v.field for v in s.verdicts if v.weight < 0]
        agree = ", ".join(strong) or "nothing"
        differ = f"; they differ on {', '.join(weak)}" if weak else ""
        chance = f"{s.probability:.3f}" if s.probability is not None else "unknown"
        return (
            f"Two profiles share no identifier but agree on {agree}{differ} "
            f"(match probability {chance}). Accept joins them; dismiss closes the question "
            "and the pair is never suggested again."
        )
    if s.kind == "contended_identifier":
        kind = s.identifiers[0].type if s.identifiers else "value"
        return (
            f"Two profiles each hold a {kind} and a link between them was refused by "
            f"{s.rule}: joining them would put more {kind} values in one profile than the "
            "rules allow (a household, or two accounts of one person). Accept joins the two "
            "profiles as one person; dismiss keeps the two values apart for good."
        )
    kind = s.identifiers[0].type if s.identifiers else "identifier"
    if s.kind == "profile_at_cap":
        return (
            f"A profile reached a cap ({s.rule}), so its oldest sessions leave it: one person "
            f"with very many browsers, or a {kind} several people share. Accept blocks the "
            f"{kind} (shared: it joins nobody); dismiss says it is one person, and it is never "
            "filed again."
        )
    if s.kind == "bot_suspect":
        return (
            f"A {kind} sent events faster than the bot rate allows ({s.rule}): a crawler or "
            "a script, or a very busy person. Accept blocks it (a bot: it links nobody, its "
            "events stay); dismiss says it is a person, and it is never filed again."
        )
    return (
        f"A {kind} was caught as generic by {s.rule}: its links merge nobody. Accept blocks "
        "it for good (junk); dismiss leaves it to the rules."
    )


def parse_kind(value: str) -> SuggestionKind:
    for kind in KINDS:
        if kind == value:
            return kind
    raise ValueError(f"kind: expected one of {', '.join(KINDS)}, got {value!r}")


def parse_status(value: str) -> SuggestionStatus:
    for status in STATUSES:
        if status == value:
            return status
    raise ValueError(f"status: expected one of {', '.join(STATUSES)}, got {value!r}")
