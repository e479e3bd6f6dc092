"""GraphQL types of the identity graph.

Expected failures (unknown identifier, invalid input, a rule refusing a merge) are members of
the mutation result unions, so a frontend can switch on `__typename` instead of parsing errors.
"""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from app.domain.traits import mask
from app.entrypoints.gql.consent_types import ConsentDecision, ConsentVerdict
from app.entrypoints.gql.context import Context
from app.entrypoints.gql.devices import Device
from app.entrypoints.gql.events import EventConnection, event_connection
from app.entrypoints.gql.journeys import JourneyRun
from app.entrypoints.gql.traits import TraitDecision, trait_decision
from app.services.identity.explanation import EvidenceStep, Explanation
from app.services.profiles.browse import EventFilter
from app.services.profiles.service import IdentifierView, ProfileView


@strawberry.input(description="One identifier, as a tracker sends it (normalised server-side).")
class IdentifierInput:
    type: str = strawberry.field(
        description="user_id, anonymous_id, email, phone, device_id or an external id type"
    )
    value: str = strawberry.field(description="The value as sent; e-mails and phones normalised")


@strawberry.type(description="A profile's membership of a segment.")
class SegmentMembership:
    segment: str
    since: float = strawberry.field(description="When the profile entered it, epoch seconds")


@strawberry.type(
    description="An identifier of a profile: decrypted for roles that may read personal data, "
    "masked (j***@example.com) for the others."
)
class Identifier:
    key: str = strawberry.field(
        description="The node key: a keyed hash of the value, never the value. Every role sees "
        "it; unlinkIdentifier, blockIdentifier and unblockIdentifier accept it in place of the "
        "value"
    )
    type: str
    value: str | None = strawberry.field(
        description="The normalised value; null once its data key was destroyed (erasure)"
    )
    first_seen: float = strawberry.field(description="First observation, epoch seconds (UTC)")
    last_seen: float = strawberry.field(description="Last observation, epoch seconds (UTC)")
    events: int = strawberry.field(description="How many events this identifier owns")
    generic: bool = strawberry.field(
        description="Linked to too many others: its evidence no longer merges profiles"
    )
    blocked: bool = strawberry.field(description="Blocked by an operator: links nothing")

    @classmethod
    def from_view(cls, view: IdentifierView, *, masked: bool = False) -> Identifier:
        """`masked`: for callers without the right to see personal data (j***@example.com)."""
        return cls(
            key=view.key,
            type=view.type,
            value=mask("string", view.value) if masked else view.value,
            first_seen=view.first_seen,
            last_seen=view.last_seen,
            events=view.events,
            generic=view.generic,
            blocked=view.blocked,
        )


@strawberry.type(description="A person as the identity graph sees them: a cluster of identifiers.")
class Profile:
    id: str
    status: str = strawberry.field(description="'active', or 'merged' into `mergedInto`")
    merged_into: str | None = strawberry.field(
        description="For a merged profile, the active profile at the end of its lineage"
    )
    created_at: float = strawberry.field(description="Epoch seconds (UTC)")
    updated_at: float = strawberry.field(description="Epoch seconds (UTC)")
    version: int = strawberry.field(description="Bumped on every change of the profile")

    @classmethod
    def from_view(cls, view: ProfileView) -> Profile:
        return cls(
            id=view.id,
            status=view.status,
            merged_into=view.merged_into,
            created_at=view.created_at,
            updated_at=view.updated_at,
            version=view.version,
        )

    @strawberry.field(
        description="The types of the profile's identifiers, one per identifier in the order "
        "of `identifiers`: nothing personal, nothing decrypted (what a list needs)."
    )
    async def identifier_types(self, info: Info[Context, Any]) -> list[str]:
        return await info.context.loaders.identifier_types.load(self.id)

    @strawberry.field(description="The identifiers of the profile (none once it is merged).")
    async def identifiers(self, info: Info[Context, Any]) -> list[Identifier]:
        views = await info.context.loaders.identifiers.load(self.id)
        if not info.context.reveals_pii:
            return [Identifier.from_view(v, masked=True) for v in views]
        info.context.note_pii_read(self.id, "identifiers")
        return [Identifier.from_view(v) for v in views]

    @strawberry.field(
        description="The devices and browsers the profile's identifiers were seen on, newest "
        "first (facts only: nothing personal)."
    )
    async def devices(self, info: Info[Context, Any]) -> list[Device]:
        rows = await info.context.loaders.devices.load(self.id)
        return [Device.from_row(r) for r in rows]

    @strawberry.field(
        description="The profile's events, newest first: at most 100 a page, optionally of one "
        "name and from `since` (inclusive) to `until` (exclusive), epoch seconds."
    )
    async def events(
        self,
        info: Info[Context, Any],
        first: int = 20,
        after: str | None = None,
        name: str | None = None,
        since: float | None = None,
        until: float | None = None,
    ) -> EventConnection:
        return await event_connection(
            info, self.id, first, after, EventFilter(name=name, since=since, until=until)
        )

    @strawberry.field(
        description="The golden record: each trait's value chosen by survivorship "
        "(docs/profiles.md)."
    )
    async def traits(self, info: Info[Context, Any]) -> JSON | None:
        reveal = info.context.reveals_pii
        record = await info.context.loaders.traits.load(self.id)
        if reveal:
            info.context.note_pii_read(self.id, "traits")
        return JSON(record)

    @strawberry.field(description="Why a trait has its value: winner, strategy, candidates.")
    async def trait(self, info: Info[Context, Any], name: str) -> TraitDecision | None:
        return await trait_decision(info, self.id, name)

    @strawberry.field(
        description="Effective consent per purpose now: the latest decision across the "
        "profile's identifiers; expired counts as denied."
    )
    async def consents(self, info: Info[Context, Any]) -> list[ConsentVerdict]:
        verdicts = await info.context.container.consent.effective(self.id)
        return [ConsentVerdict.from_verdict(v) for v in verdicts]

    @strawberry.field(description="The profile's journey runs, newest first, with their steps.")
    async def journey_runs(self, info: Info[Context, Any]) -> list[JourneyRun]:
        runs = await info.context.container.journeys.runs_of(self.id)
        return [JourneyRun.from_view(r) for r in runs]

    @strawberry.field(description="Tags set by journeys.")
    async def tags(self, info: Info[Context, Any]) -> list[str]:
        return await info.context.container.browser.tags(self.id)

    @strawberry.field(description="The segments the profile belongs to, with when it entered.")
    async def segments(self, info: Info[Context, Any]) -> list[SegmentMembership]:
        found = await info.context.container.segments.of_profile(self.id)
        return [SegmentMembership(segment=name, since=since) for name, since in found]

    @strawberry.field(description="Every consent decision given with the profile's identifiers.")
    async def consent_history(self, info: Info[Context, Any]) -> list[ConsentDecision]:
        history = await info.context.container.consent.history(self.id)
        return [ConsentDecision.from_decision(d) for d in history]


@strawberry.type(description="One evidence edge of an explanation; types only, never values.")
class ExplainStep:
    from_type: str
    to_type: str
    rule: str = strawberry.field(description="identify, alias, co_occurrence, manual_merge, ...")
    weight: float
    count: int = strawberry.field(description="How often this evidence was seen")
    source: str | None = strawberry.field(description="The source that sent it, if known")
    first_seen: float = strawberry.field(description="Epoch seconds (UTC)")
    last_seen: float | None = strawberry.field(description="Epoch seconds (UTC)")

    @classmethod
    def from_step(cls, step: EvidenceStep) -> ExplainStep:
        return cls(
            from_type=step.from_type,
            to_type=step.to_type,
            rule=step.rule,
            weight=step.weight,
            count=step.count,
            source=step.source,
            first_seen=step.first_seen,
            last_seen=step.last_seen,
        )


@strawberry.type(description="Whether two identifiers belong together, and why.")
class LinkExplanation:
    connected: bool = strawberry.field(
        description="A chain of followed evidence joins the two identifiers"
    )
    same_profile: bool = strawberry.field(description="Both belong to the same profile now")
    profile_a: str | None
    profile_b: str | None
    path: list[ExplainStep] = strawberry.field(
        description="The strongest evidence chain from a to b; empty when not connected"
    )

    @classmethod
    def from_explanation(cls, found: Explanation) -> LinkExplanation:
        return cls(
            connected=found.connected,
            same_profile=found.profile_a is not None and found.profile_a == found.profile_b,
            profile_a=found.profile_a,
            profile_b=found.profile_b,
            path=[ExplainStep.from_step(s) for s in found.path],
        )


@strawberry.type(description="The profiles were merged.")
class Merged:
    profile_id: str = strawberry.field(description="The surviving (oldest) profile")
    merged_ids: list[str] = strawberry.field(description="Profiles now merged into it")


@strawberry.type(description="The identity rules refused the merge; nothing changed.")
class MergeConflict:
    reason: str = strawberry.field(description="The rule that refused it, e.g. type_cap:user_id")


@strawberry.type(description="A profile id that does not exist in this workspace.")
class ProfileNotFound:
    message: str


@strawberry.type(description="The merge request itself is malformed (e.g. fewer than two ids).")
class InvalidMergeRequest:
    message: str


@strawberry.type(description="The identifier was detached from its profile for good.")
class Unlinked:
    profile_id: str | None = strawberry.field(
        description="The profile the identifier belongs to now"
    )
    split_profiles: list[str] = strawberry.field(description="Profiles created by the split")


@strawberry.type(description="The identifier's block state was set and its component recomputed.")
class Blocked:
    blocked: bool = strawberry.field(description="Whether the identifier is blocked now")
    profile_id: str | None = strawberry.field(
        description="The profile the identifier belongs to now"
    )
    split_profiles: list[str] = strawberry.field(description="Profiles created by the split")


@strawberry.type(description="No identifier with that value (or that key) in this workspace.")
class IdentifierNotFound:
    message: str


@strawberry.type(description="Unknown identifier type or a malformed value (e-mail, phone, ...).")
class InvalidIdentifier:
    message: str


MergeResult = Annotated[
    Merged | MergeConflict | ProfileNotFound | InvalidMergeRequest,
    strawberry.union("MergeResult"),
]
UnlinkResult = Annotated[
    Unlinked | IdentifierNotFound | InvalidIdentifier, strawberry.union("UnlinkResult")
]
BlockResult = Annotated[
    Blocked | IdentifierNotFound | InvalidIdentifier, strawberry.union("BlockResult")
]
