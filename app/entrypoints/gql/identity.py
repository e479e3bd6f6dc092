"""Queries and mutations of the identity graph; every field needs the admin API key."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from app.bootstrap import Container
from app.entrypoints.gql.context import CanCurate, CanRead, Context
from app.entrypoints.gql.types import (
    Blocked,
    BlockResult,
    IdentifierInput,
    IdentifierNotFound,
    InvalidIdentifier,
    InvalidMergeRequest,
    LinkExplanation,
    MergeConflict,
    Merged,
    MergeResult,
    Profile,
    ProfileNotFound,
    Unlinked,
    UnlinkResult,
)
from app.errors import InvalidInput, NotFound
from app.services.identity.curated import Curated, IdentifierRef

KEY_ARGUMENT = (
    "Or name the identifier by its key (`Identifier.key`, a keyed hash): how a role that may "
    "not read personal data names one it sees masked"
)


def _container(info: Info[Context, Any]) -> Container:
    return info.context.container


def _ref(identifier: IdentifierInput | None, key: str | None) -> IdentifierRef:
    """What a mutation names, as given (the service checks it: exactly one of the two)."""
    if identifier is None:
        return IdentifierRef(key=key)
    return IdentifierRef(identifier.type, identifier.value, key)


@strawberry.type(
    description="An identifier the rules made generic: its links stop merging anything. Its "
    "value is shown on its profile (`profileId`) to roles that may read personal data."
)
class GenericIdentifier:
    key: str = strawberry.field(description="The node key (a blind index, not the value)")
    type: str
    links: int = strawberry.field(description="Evidence edges to other identifiers")
    degree: int = strawberry.field(
        description="Linked identifiers of types other than the session types "
        "(generic above `generic_degree`)"
    )
    shared_sessions: int = strawberry.field(
        description="Its session identifiers shared with other values of its type, counted up "
        "to one past `generic_rivals`"
    )
    rivals: int = strawberry.field(
        description="Those other values, counted up to one past `generic_rivals` (generic "
        "when both counts are above it)"
    )
    caught_by: str = strawberry.field(
        description="`generic_degree`, `generic_rivals`, or `flagged` (the counts have fallen "
        "since its component was last decided)"
    )
    profile_id: str | None
    first_seen: float = strawberry.field(description="Epoch seconds (UTC)")


@strawberry.type
class IdentityQuery:
    @strawberry.field(
        description="A profile by id; null if unknown. A merged id returns the merged profile "
        "(status 'merged', `mergedInto` set).",
        permission_classes=[CanRead],
    )
    async def profile(self, info: Info[Context, Any], id: str) -> Profile | None:
        view = await _container(info).profiles.profile(id)
        return Profile.from_view(view) if view else None

    @strawberry.field(
        description="The active profile of an identifier; null if the identifier is unknown.",
        permission_classes=[CanRead],
    )
    async def profile_by_identifier(
        self, info: Info[Context, Any], type: str, value: str
    ) -> Profile | None:
        view = await _container(info).profiles.profile_by_identifier(type, value)
        return Profile.from_view(view) if view else None

    @strawberry.field(
        description="What the identity rules caught as generic (shared values, junk), most "
        "linked first; `limit` 1..1000.",
        permission_classes=[CanRead],
    )
    async def generic_identifiers(
        self, info: Info[Context, Any], limit: int = 50
    ) -> list[GenericIdentifier]:
        curation = _container(info).curation
        found = await curation.generic_identifiers(limit)
        return [
            GenericIdentifier(
                key=g.key,
                type=g.type,
                links=g.links,
                degree=g.degree,
                shared_sessions=g.shared,
                rivals=g.rivals,
                caught_by=curation.caught_by(g),
                profile_id=g.profile,
                first_seen=g.first_seen,
            )
            for g in found
        ]

    @strawberry.field(
        description="Whether two identifiers are linked, with the strongest evidence chain.",
        permission_classes=[CanRead],
    )
    async def explain_link(
        self, info: Info[Context, Any], a: IdentifierInput, b: IdentifierInput
    ) -> LinkExplanation:
        found = await _container(info).curation.explain((a.type, a.value), (b.type, b.value))
        return LinkExplanation.from_explanation(found)


@strawberry.type
class IdentityMutation:
    @strawberry.mutation(
        description="Detach an identifier from its profile for good; later evidence cannot "
        "re-link it (sticky).",
        permission_classes=[CanCurate],
    )
    async def unlink_identifier(
        self,
        info: Info[Context, Any],
        identifier: IdentifierInput | None = None,
        reason: str | None = "manual",
        key: Annotated[str | None, strawberry.argument(description=KEY_ARGUMENT)] = None,
    ) -> UnlinkResult:
        container = _container(info)
        try:
            done = await container.curation.unlink(
                _ref(identifier, key), by=info.context.actor, reason=reason or "manual"
            )
        except InvalidInput as exc:
            return InvalidIdentifier(message=str(exc))
        except NotFound as exc:
            return IdentifierNotFound(message=str(exc))
        return Unlinked(profile_id=done.profile, split_profiles=_split_ids(done))

    @strawberry.mutation(
        description="Block an identifier: it keeps its events but links nothing any more.",
        permission_classes=[CanCurate],
    )
    async def block_identifier(
        self,
        info: Info[Context, Any],
        identifier: IdentifierInput | None = None,
        key: Annotated[str | None, strawberry.argument(description=KEY_ARGUMENT)] = None,
    ) -> BlockResult:
        return await _set_blocked(info, identifier, key, blocked=True)

    @strawberry.mutation(
        description="Lift a block; the identifier's evidence counts again.",
        permission_classes=[CanCurate],
    )
    async def unblock_identifier(
        self,
        info: Info[Context, Any],
        identifier: IdentifierInput | None = None,
        key: Annotated[str | None, strawberry.argument(description=KEY_ARGUMENT)] = None,
    ) -> BlockResult:
        return await _set_blocked(info, identifier, key, blocked=False)

    @strawberry.mutation(
        description="Merge profiles by adding manual-merge evidence; refused (and nothing "
        "changes) if an identity rule would break.",
        permission_classes=[CanCurate],
    )
    async def merge_profiles(
        self, info: Info[Context, Any], ids: list[str], reason: str
    ) -> MergeResult:
        try:
            outcome = await _container(info).curation.merge_profiles(
                ids, reason, by=info.context.actor
            )
        except InvalidInput as exc:
            return InvalidMergeRequest(message=str(exc))
        except NotFound as exc:
            return ProfileNotFound(message=str(exc))
        if outcome.profile_id is None:
            return MergeConflict(reason=outcome.conflict or "refused by the identity rules")
        return Merged(profile_id=outcome.profile_id, merged_ids=list(outcome.merged_ids))


async def _set_blocked(
    info: Info[Context, Any], identifier: IdentifierInput | None, key: str | None, *, blocked: bool
) -> BlockResult:
    container = _container(info)
    try:
        done = await container.curation.set_blocked(
            _ref(identifier, key), blocked, by=info.context.actor
        )
    except InvalidInput as exc:
        return InvalidIdentifier(message=str(exc))
    except NotFound as exc:
        return IdentifierNotFound(message=str(exc))
    return Blocked(blocked=blocked, profile_id=done.profile, split_profiles=_split_ids(done))


def _split_ids(done: Curated) -> list[str]:
    return [s.new_id for s in done.outcome.splits]
