"""The review queue: suggestions the identity rules filed, listed and decided
(docs/identity.md, "The review queue")."""

from __future__ import annotations

from collections.abc import Awaitable
from enum import Enum
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from app.domain import review
from app.entrypoints.gql.context import CanCurate, CanRead, Context
from app.errors import Conflict, NotFound
from app.services.identity.review.queue import Decision, ReviewQueue


@strawberry.enum(description="What a suggestion suspects (docs/identity.md, the review queue)")
class SuggestionKind(Enum):
    LIKELY_SAME_PERSON = "likely_same_person"
    CONTENDED_IDENTIFIER = "contended_identifier"
    GENERIC_VALUE = "generic_value"
    BOT_SUSPECT = "bot_suspect"
    PROFILE_AT_CAP = "profile_at_cap"


@strawberry.enum
class SuggestionStatus(Enum):
    OPEN = "open"
    DECIDING = strawberry.enum_value(
        "deciding", description="An operator's decision is being carried out"
    )
    ACCEPTED = "accepted"
    DISMISSED = "dismissed"
    SETTLED = strawberry.enum_value(
        "settled", description="Closed by itself: later evidence answered the question"
    )


@strawberry.type(description="How one trait compared: its level and match weight, no value.")
class LinkageVerdict:
    field: str
    level: str
    weight: float


@strawberry.type(description="An identifier a suggestion is about (its key, never its value).")
class SuggestionIdentifier:
    key: str = strawberry.field(description="The node key (a blind index, not the value)")
    type: str
    profile_id: str | None = strawberry.field(description="Its active profile now")
    generic: bool
    blocked: bool


@strawberry.type(description="One entry of the review queue; it never changes the graph by itself.")
class Suggestion:
    id: str
    kind: SuggestionKind
    status: SuggestionStatus
    label: str = strawberry.field(description="`MergeSuggestion` or `Conflict`, as in Neo4j")
    explanation: str = strawberry.field(description="What it suspects and what deciding does")
    created_at: float = strawberry.field(description="Epoch seconds (UTC)")
    rule: str | None = strawberry.field(
        description="The rule behind a conflict (`type_cap:user_id`, `generic_degree`...)"
    )
    probability: float | None = strawberry.field(
        description="A likely-same-person pair's match probability"
    )
    weight: float | None = strawberry.field(description="Its total match weight (log2)")
    verdicts: list[LinkageVerdict]
    identifiers: list[SuggestionIdentifier]
    profile_ids: list[str] = strawberry.field(description="The active profiles it is about now")
    decided_at: float | None
    decided_by: str | None
    note: str | None

    @classmethod
    def of(cls, s: review.Suggestion) -> Suggestion:
        return cls(
            id=s.id,
            kind=SuggestionKind(s.kind),
            status=SuggestionStatus(s.status),
            label=s.label,
            explanation=review.explanation(s),
            created_at=s.created_at,
            rule=s.rule,
            probability=s.probability,
            weight=s.weight,
            verdicts=[
                LinkageVerdict(field=v.field, level=v.level, weight=v.weight) for v in s.verdicts
            ],
            identifiers=[
                SuggestionIdentifier(
                    key=i.key,
                    type=i.type,
                    profile_id=i.profile,
                    generic=i.generic,
                    blocked=i.blocked,
                )
                for i in s.identifiers
            ],
            profile_ids=list(s.profiles),
            decided_at=s.decided_at,
            decided_by=s.decided_by,
            note=s.note,
        )


@strawberry.type(description="The suggestion was decided; what it did is done.")
class SuggestionDecided:
    suggestion: Suggestion
    profile_id: str | None = strawberry.field(
        description="After an accepted join or block: the profile its subjects belong to"
    )


@strawberry.type(
    description="The identity rules refused the action; nothing changed and the "
    "suggestion stays open."
)
class SuggestionRefused:
    suggestion: Suggestion
    reason: str = strawberry.field(description="The rule that refused it, e.g. type_cap:email")


@strawberry.type(description="No suggestion with that id in this workspace.")
class SuggestionNotFound:
    message: str


@strawberry.type(description="The suggestion is not open (decided, or settled by itself).")
class SuggestionClosed:
    message: str


@strawberry.type(description="A count under a name (a refusal, a type).")
class NamedCount:
    name: str
    count: int


@strawberry.type(description="A number of days for an identifier type.")
class TypeDays:
    type: str
    days: float


@strawberry.type
class SuggestionCount:
    kind: SuggestionKind
    status: SuggestionStatus
    count: int


@strawberry.type(description="The thresholds of config/identity.yaml in force.")
class IdentityThresholds:
    generic_degree: int
    generic_rivals: int
    total_cap: int
    type_caps: list[NamedCount]
    cap_window_days: list[TypeDays] = strawberry.field(
        description="Types whose cap counts only values first seen within this many days "
        "before the newest one in the profile"
    )
    reassigned_after_days: list[TypeDays] = strawberry.field(
        description="Days of silence after which a value of the type passes to a new owner"
    )
    bot_events: int = strawberry.field(
        description="An identifier that sent more events than this within bot_window_hours "
        "of its latest one is filed as a bot suspect"
    )
    bot_window_hours: float = strawberry.field(
        description="The window of the bot rate, in hours before an identifier's latest event"
    )


@strawberry.type(
    description="What the identity rules caught in this workspace, in counts (never a value)."
)
class IdentityReport:
    thresholds: IdentityThresholds
    refused_links: list[NamedCount] = strawberry.field(
        description="Evidence kept but not followed, by refusal (`type_cap:user_id`, "
        "`generic`, `never`, `reassigned`...)"
    )
    generic_identifiers: list[NamedCount] = strawberry.field(description="By type")
    suggestions: list[SuggestionCount]


SuggestionResult = Annotated[
    SuggestionDecided | SuggestionRefused | SuggestionNotFound | SuggestionClosed,
    strawberry.union("SuggestionResult"),
]


def _queue(info: Info[Context, Any]) -> ReviewQueue:
    return info.context.container.review


async def _decided(decision: Awaitable[Decision]) -> SuggestionResult:
    """A decision's answer; an unknown or closed suggestion is a result, not an error."""
    try:
        return _result(await decision)
    except NotFound as exc:
        return SuggestionNotFound(message=str(exc))
    except Conflict as exc:
        return SuggestionClosed(message=str(exc))


def _result(decision: Decision) -> SuggestionResult:
    if decision.refusal is not None:
        return SuggestionRefused(
            suggestion=Suggestion.of(decision.suggestion), reason=decision.refusal
        )
    return SuggestionDecided(
        suggestion=Suggestion.of(decision.suggestion), profile_id=decision.profile_id
    )


@strawberry.type
class ReviewQuery:
    @strawberry.field(
        description="The review queue, newest first: suspected over-merges (conflicts) and "
        "likely under-merges (merge suggestions); `status` defaults to OPEN (null: any), "
        "`limit` 1..1000.",
        permission_classes=[CanRead],
    )
    async def suggestions(
        self,
        info: Info[Context, Any],
        status: SuggestionStatus | None = SuggestionStatus.OPEN,
        kind: SuggestionKind | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[Suggestion]:
        found = await _queue(info).suggestions(
            review.parse_status(status.value) if status else None,
            review.parse_kind(kind.value) if kind else None,
            limit,
            offset,
        )
        return [Suggestion.of(s) for s in found]

    @strawberry.field(
        description="What the identity rules caught, with the thresholds in force: refused "
        "links by refusal, generic identifiers by type, the review queue by kind and status.",
        permission_classes=[CanRead],
    )
    async def identity_report(self, info: Info[Context, Any]) -> IdentityReport:
        container = info.context.container
        rules = container.rules
        caught = await container.review.caught()
        return IdentityReport(
            thresholds=IdentityThresholds(
                generic_degree=rules.generic_degree,
                generic_rivals=rules.generic_rivals,
                total_cap=rules.total_cap,
                type_caps=_counts(dict(rules.type_caps)),
                cap_window_days=[
                    TypeDays(type=t, days=d) for t, d in sorted(rules.cap_window_days.items())
                ],
                reassigned_after_days=[
                    TypeDays(type=t, days=d) for t, d in sorted(rules.reassigned_after_days.items())
                ],
                bot_events=rules.bot_events,
                bot_window_hours=rules.bot_window_hours,
            ),
            refused_links=_counts(caught.refusals),
            generic_identifiers=_counts(caught.generic),
            suggestions=[
                SuggestionCount(kind=SuggestionKind(k), status=SuggestionStatus(st), count=n)
                for (k, st), n in sorted(caught.suggestions.items())
            ],
        )

    @strawberry.field(
        description="One suggestion by id; null if unknown.", permission_classes=[CanRead]
    )
    async def suggestion(self, info: Info[Context, Any], id: str) -> Suggestion | None:
        try:
            return Suggestion.of(await _queue(info).suggestion(id))
        except NotFound:
            return None


def _counts(items: dict[str, int]) -> list[NamedCount]:
    return [NamedCount(name=k, count=int(v)) for k, v in sorted(items.items())]


@strawberry.type
class ReviewMutation:
    @strawberry.mutation(
        description="Do what the suggestion proposes: join the two profiles (likely same "
        "person, contended identifier) or block the identifier (generic value, bot suspect, "
        "the anchor of a profile at a cap). "
        "Refused, with nothing "
        "changed, if an identity rule would break.",
        permission_classes=[CanCurate],
    )
    async def accept_suggestion(
        self, info: Info[Context, Any], id: str, note: str | None = None
    ) -> SuggestionResult:
        return await _decided(_queue(info).accept(id, info.context.actor, note))

    @strawberry.mutation(
        description="Say no: a contended identifier's two values are kept apart for good; "
        "other kinds are closed and never filed again.",
        permission_classes=[CanCurate],
    )
    async def dismiss_suggestion(
        self, info: Info[Context, Any], id: str, note: str | None = None
    ) -> SuggestionResult:
        return await _decided(_queue(info).dismiss(id, info.context.actor, note))
