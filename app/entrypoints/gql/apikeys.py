"""API keys for GraphQL, managed by admins: list them (never their secrets), create one with a
role and an optional expiry (its secret shown only in that answer), revoke one."""

from __future__ import annotations

import time
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from app.entrypoints.gql.context import Context, IsAdmin
from app.errors import InvalidInput, NotFound
from app.ports.apikeys import ApiKeyView

#: Longest accepted key id: a UUID; anything longer names no key.
MAX_KEY_ID = 64


@strawberry.type(description="An API key for GraphQL: its role and lifetime, never its secret.")
class ApiKey:
    id: str
    name: str
    role: str = strawberry.field(description="viewer, analyst, marketer, privacy_officer or admin")
    created_at: float = strawberry.field(description="Epoch seconds (UTC)")
    expires_at: float | None = strawberry.field(
        description="Epoch seconds (UTC) after which the key stops working; null: never"
    )
    revoked: bool
    active: bool = strawberry.field(description="neither revoked nor expired")

    @classmethod
    def of(cls, key: ApiKeyView, now: float) -> ApiKey:
        expired = key.expires_at is not None and key.expires_at <= now
        return cls(
            id=key.id,
            name=key.name,
            role=key.role.value,
            created_at=key.created_at,
            expires_at=key.expires_at,
            revoked=key.revoked,
            active=not key.revoked and not expired,
        )


@strawberry.type(description="A new API key and its secret (store it: it is not shown again).")
class ApiKeyCreated:
    key: ApiKey
    secret: str


@strawberry.type(description="The key is revoked; it stops working within 30 seconds.")
class ApiKeyRevoked:
    key_id: str


@strawberry.type
class InvalidApiKey:
    message: str


@strawberry.type
class ApiKeyNotFound:
    message: str


CreateApiKeyResult = Annotated[
    ApiKeyCreated | InvalidApiKey, strawberry.union("CreateApiKeyResult")
]
RevokeApiKeyResult = Annotated[
    ApiKeyRevoked | ApiKeyNotFound, strawberry.union("RevokeApiKeyResult")
]


@strawberry.type
class ApiKeyQuery:
    @strawberry.field(
        description="The workspace's API keys, oldest first, revoked and expired ones too"
        " (the development admin key from the environment is not among them).",
        permission_classes=[IsAdmin],
    )
    async def api_keys(self, info: Info[Context, Any]) -> list[ApiKey]:
        now = time.time()
        return [ApiKey.of(k, now) for k in await info.context.container.apikeys.list()]


@strawberry.type
class ApiKeyMutation:
    @strawberry.mutation(
        description="Create an API key with a role, expiring after `expiresDays` (null: never);"
        " the answer carries its secret, shown only this once.",
        permission_classes=[IsAdmin],
    )
    async def create_api_key(
        self, info: Info[Context, Any], name: str, role: str, expires_days: float | None = None
    ) -> CreateApiKeyResult:
        try:
            created = await info.context.container.apikeys.create(
                name, role, expires_days, by=info.context.actor
            )
        except InvalidInput as exc:
            return InvalidApiKey(message=str(exc))
        return ApiKeyCreated(key=ApiKey.of(created.key, time.time()), secret=created.secret)

    @strawberry.mutation(
        description="Revoke an API key of the workspace; it stops working within 30 seconds.",
        permission_classes=[IsAdmin],
    )
    async def revoke_api_key(self, info: Info[Context, Any], id: str) -> RevokeApiKeyResult:
        if not id or len(id) > MAX_KEY_ID:
            return ApiKeyNotFound(message="no API key with that id in this workspace")
        try:
            await info.context.container.apikeys.revoke(id, by=info.context.actor)
        except NotFound as exc:
            return ApiKeyNotFound(message=str(exc))
        return ApiKeyRevoked(key_id=id)
