"""What API keys need from storage: keys by their secret's digest, listed and revoked."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from app.domain.access import Role


@dataclass(frozen=True)
class ApiKeyView:
    """An API key as stored (never its secret nor the secret's digest)."""

    id: str
    name: str
    role: Role
    created_at: float
    expires_at: float | None
    revoked: bool


class ApiKeyStore(Protocol):
    async def create(
        self,
        *,
        key_id: str,
        name: str,
        role: Role,
        key_hash: str,
        at: float,
        expires_at: float | None,
    ) -> None:
        """Store a new, unrevoked key of the workspace under its secret's digest."""

    async def list(self) -> list[ApiKeyView]:
        """The workspace's keys, oldest first."""

    async def revoke(self, key_id: str, at: float) -> bool:
        """Mark the key revoked; False if the workspace has no key with that id."""

    async def by_hash(self, key_hash: str) -> ApiKeyView | None:
        """The workspace's key whose secret has this digest, revoked and expired ones too
        (the caller refuses them); another workspace's key finds nothing."""
