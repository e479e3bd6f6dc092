"""Trait provenance and manual edits ("why is this the e-mail?")."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from app.entrypoints.gql.context import Context, IsAdmin
from app.errors import InvalidInput, NotFound
from app.services.profiles import CandidateView, TraitProvenance


@strawberry.type(description="One value of a trait and the evidence behind it.")
class TraitCandidate:
    value: JSON | None
    source: str = strawberry.field(description="The source whose observation ranked it")
    at: float = strawberry.field(description="Last seen, epoch seconds (UTC)")
    first_seen: float = strawberry.field(description="First seen, epoch seconds (UTC)")
    weight: float = strawberry.field(description="trust(source) x confidence x decay(age)")
    count: int = strawberry.field(description="How many sightings back it")

    @classmethod
    def from_view(cls, view: CandidateView) -> TraitCandidate:
        return cls(
            value=JSON(view.value) if view.value is not None else None,
            source=view.source,
            at=view.at,
            first_seen=view.first_at,
            weight=view.weight,
            count=view.count,
        )


@strawberry.type(description="Why a trait has its value: the winner and what it beat.")
class TraitDecision:
    name: str
    strategy: str = strawberry.field(
        description="highest_weight, most_recent, source_priority, most_frequent, first_seen, "
        "or union"
    )
    personal: bool
    winner: TraitCandidate
    candidates: list[TraitCandidate] = strawberry.field(description="Ranked, best first")

    @classmethod
    def from_provenance(cls, p: TraitProvenance) -> TraitDecision:
        return cls(
            name=p.name,
            strategy=p.strategy,
            personal=p.personal,
            winner=TraitCandidate.from_view(p.winner),
            candidates=[TraitCandidate.from_view(c) for c in p.candidates],
        )


@strawberry.type
class TraitSet:
    profile_id: str
    trait: TraitDecision | None


@strawberry.type
class TraitRefused:
    message: str


SetTraitResult = Annotated[TraitSet | TraitRefused, strawberry.union("SetTraitResult")]


async def trait_decision(
    info: Info[Context, Any], profile_id: str, name: str
) -> TraitDecision | None:
    found = await info.context.container.profiles.trait(profile_id, name)
    return TraitDecision.from_provenance(found) if found else None


@strawberry.type
class TraitMutation:
    @strawberry.mutation(
        description="Record a manual value (source `manual`, trusted most by default) and "
        "re-decide the trait.",
        permission_classes=[IsAdmin],
    )
    async def set_trait(
        self, info: Info[Context, Any], profile_id: str, name: str, value: JSON
    ) -> SetTraitResult:
        profiles = info.context.container.profiles
        try:
            await profiles.set_trait(profile_id, name, value, by="admin-api-key")
        except (InvalidInput, NotFound) as exc:
            return TraitRefused(message=str(exc))
        return TraitSet(profile_id=profile_id, trait=await trait_decision(info, profile_id, name))
