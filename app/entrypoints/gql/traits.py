"""Trait provenance and manual edits ("why is this the e-mail?")."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from app.domain.access import SET_TRAIT
from app.entrypoints.gql.context import CanRead, CanSetTraits, Context, IsAdmin
from app.entrypoints.gql.redecisions import Redecision
from app.errors import InvalidInput, NotFound
from app.services.profiles.service import CandidateView, TraitProvenance


@strawberry.type(description="One value of a trait and the evidence behind it.")
class TraitCandidate:
    value: JSON | None
    source: str = strawberry.field(description="The source whose observation ranked it")
    at: float = strawberry.field(description="Last seen, epoch seconds (UTC)")
    first_seen: float = strawberry.field(description="First seen, epoch seconds (UTC)")
    weight: float = strawberry.field(
        description="trust x confidence x bond x decay of its heaviest observation"
    )
    count: int = strawberry.field(description="How many sightings back it")
    trust: float = strawberry.field(
        description="Trust in the source of its heaviest observation, in (0, 1]"
    )
    bond: float = strawberry.field(
        description="How strongly the identifier it was seen on is bound to the profile: the "
        "product of the evidence weights along the strongest chain of followed links to the "
        "profile's anchor (its most important identifier); 1.0 on the anchor and for manual edits"
    )
    decay: float = strawberry.field(
        description="0.5 ** (age / half-life), age counted back from the newest observation of "
        "the trait"
    )

    @classmethod
    def from_view(cls, view: CandidateView) -> TraitCandidate:
        return cls(
            value=JSON(view.value) if view.value is not None else None,
            source=view.source,
            at=view.at,
            first_seen=view.first_at,
            weight=view.weight,
            count=view.count,
            trust=view.trust,
            bond=view.bond,
            decay=view.decay,
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


@strawberry.type(description="The trait schema in force (the structure of config/traits.yaml).")
class TraitSchemaView:
    version: int = strawberry.field(description="0: config/traits.yaml; then one per edit")
    schema: JSON


@strawberry.type
class TraitSchemaUpdated:
    version: int
    redecision: Redecision = strawberry.field(
        description="the run re-deciding every golden record under the new schema"
    )


@strawberry.type
class InvalidTraitSchema:
    message: str


UpdateTraitSchemaResult = Annotated[
    TraitSchemaUpdated | InvalidTraitSchema, strawberry.union("UpdateTraitSchemaResult")
]


@strawberry.type
class TraitQuery:
    @strawberry.field(description="The trait schema in force.", permission_classes=[CanRead])
    async def trait_schema(self, info: Info[Context, Any]) -> TraitSchemaView:
        store = info.context.container.trait_schemas
        schema = await store.current()
        return TraitSchemaView(version=await store.version(), schema=JSON(schema.to_mapping()))


async def trait_decision(
    info: Info[Context, Any], profile_id: str, name: str
) -> TraitDecision | None:
    found = await info.context.container.profiles.trait(
        profile_id, name, reveal=info.context.reveals_pii
    )
    return TraitDecision.from_provenance(found) if found else None


@strawberry.type
class TraitMutation:
    @strawberry.mutation(
        description="Record a manual value (source `manual`, trusted most by default) and "
        "re-decide the trait.",
        permission_classes=[CanSetTraits],
    )
    async def set_trait(
        self, info: Info[Context, Any], profile_id: str, name: str, value: JSON
    ) -> SetTraitResult:
        profiles = info.context.container.profiles
        try:
            await profiles.set_trait(
                profile_id,
                name,
                value,
                by=info.context.actor,
                personal_allowed=info.context.caller.can(SET_TRAIT),
            )
        except (InvalidInput, NotFound) as exc:
            return TraitRefused(message=str(exc))
        return TraitSet(profile_id=profile_id, trait=await trait_decision(info, profile_id, name))

    @strawberry.mutation(
        description="Replace the trait schema (same structure as config/traits.yaml), validated "
        "in full first. Every process uses it within 30 seconds.",
        permission_classes=[IsAdmin],
    )
    async def update_trait_schema(
        self, info: Info[Context, Any], schema: JSON
    ) -> UpdateTraitSchemaResult:
        container = info.context.container
        if not isinstance(schema, dict):
            return InvalidTraitSchema(message="trait schema: expected an object")
        try:
            version = await container.trait_schemas.update(schema, by=info.context.actor)
        except InvalidInput as exc:
            return InvalidTraitSchema(message=str(exc))
        container.profiles.golden.forget()
        run = await container.redecisions.after_schema_change(info.context.actor)
        return TraitSchemaUpdated(version=version, redecision=Redecision.of(run))
