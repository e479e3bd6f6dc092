"""GraphQL types of consent: a decision as recorded, and the verdict for one purpose."""

from __future__ import annotations

import strawberry

from app.domain.consent import Decision, Verdict
from app.ports.consent import PurposeView


@strawberry.type(description="A purpose personal data may be used for.")
class Purpose:
    name: str
    description: str
    default_granted: bool = strawberry.field(description="The answer while no decision exists")
    configured: bool = strawberry.field(description="Declared in config/consent.yaml")
    decisions: int = strawberry.field(description="Decisions recorded for it")

    @classmethod
    def from_view(cls, view: PurposeView) -> Purpose:
        return cls(
            name=view.name,
            description=view.description,
            default_granted=view.default_granted,
            configured=view.configured,
            decisions=view.decisions,
        )


@strawberry.type(description="One consent decision as recorded (the history keeps them all).")
class ConsentDecision:
    id: str
    purpose: str
    granted: bool
    at: float = strawberry.field(description="When it was given, epoch seconds (UTC)")
    source: str = strawberry.field(description="A source id, or 'manual'")
    expires_at: float | None = strawberry.field(description="Epoch seconds (UTC); null: never")
    event: str | None = strawberry.field(description="The event that carried it, or manual:who")
    identifier_type: str | None = strawberry.field(
        description="The type of the identifier it was given with"
    )

    @classmethod
    def from_decision(cls, d: Decision) -> ConsentDecision:
        return cls(
            id=d.id,
            purpose=d.purpose,
            granted=d.granted,
            at=d.at,
            source=d.source,
            expires_at=d.expires_at,
            event=d.event,
            identifier_type=d.identifier_type,
        )


@strawberry.type(description="Whether a profile may be used for a purpose now, and why.")
class ConsentVerdict:
    purpose: str
    allowed: bool
    reason: str = strawberry.field(
        description="granted, denied, expired, no_decision or default_granted"
    )
    decision: ConsentDecision | None = strawberry.field(
        description="The decision the verdict rests on; null when none exists"
    )

    @classmethod
    def from_verdict(cls, v: Verdict) -> ConsentVerdict:
        return cls(
            purpose=v.purpose,
            allowed=v.allowed,
            reason=v.reason,
            decision=ConsentDecision.from_decision(v.decision) if v.decision else None,
        )
