"""Subscriptions over WebSocket (graphql-transport-ws): changes of one profile as they happen."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import strawberry
from strawberry.types import Info

from app.entrypoints.gql.context import CanRead, Context


@strawberry.type(description="A change of a profile (ids only; re-read the profile for data).")
class ProfileUpdate:
    profile_id: str
    kind: str = strawberry.field(
        description="merged (others joined it), merged_into (it joined `related`), split, "
        "created, identifiers (identifiers moved in or out), joined (identifiers seen for the "
        "first time joined it), traits, consent or erased"
    )
    related: list[str] = strawberry.field(
        description="The other profiles involved (for joined: the types of the identifiers)"
    )
    at: float = strawberry.field(description="Epoch seconds (UTC)")


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Every change of one profile: merge, split, trait change, consent change, "
        "erasure. Best effort: reconnecting clients re-read the profile.",
        permission_classes=[CanRead],
    )
    async def profile_updated(
        self, info: Info[Context, Any], profile_id: str
    ) -> AsyncGenerator[ProfileUpdate, None]:
        async for notice in info.context.container.notifier.listen(profile_id):
            yield ProfileUpdate(
                profile_id=notice.profile_id,
                kind=notice.kind,
                related=list(notice.related),
                at=notice.at,
            )
