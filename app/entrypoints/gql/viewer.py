"""Who is asking: the API key's name, its role and what the role may do (the console hides
what a role may not do, and the server refuses it anyway)."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from app.entrypoints.gql.context import CanRead, Context


@strawberry.type(description="The caller: its API key's name, role and capabilities.")
class Viewer:
    key_name: str = strawberry.field(description="the API key's name")
    role: str = strawberry.field(description="viewer, analyst, marketer, privacy_officer or admin")
    capabilities: list[str] = strawberry.field(
        description="read, read_pii, curate, segments, privacy, admin: what the role may do"
    )


@strawberry.type
class ViewerQuery:
    @strawberry.field(
        description="The caller's API key and role; Unauthorized without a key.",
        permission_classes=[CanRead],  # every role reads: this only authenticates
    )
    async def viewer(self, info: Info[Context, Any]) -> Viewer:
        principal = info.context.caller
        return Viewer(
            key_name=principal.name,
            role=principal.role.value,
            capabilities=sorted(c.value for c in principal.capabilities),
        )
