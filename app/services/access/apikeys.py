"""API keys for GraphQL: stored as SHA-256 digests, scoped to a workspace, with a role and an
optional expiry. The development admin key comes from CDP_ADMIN_API_KEY and needs no node."""

from __future__ import annotations

import hmac
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from app.domain.access import Principal, Role
from app.errors import InvalidInput, NotFound
from app.ports.apikeys import ApiKeyStore, ApiKeyView
from app.services.privacy.audit import AuditLog
from app.services.tracking.sources import key_digest

__all__ = ["CACHE_SECONDS", "DAY", "ApiKeyService", "ApiKeyView", "NewApiKey", "parse_role"]

#: How long (s) an authentication answer is remembered in-process (a revocation's delay).
CACHE_SECONDS = 30.0
DAY = 86_400.0


@dataclass(frozen=True)
class NewApiKey:
    key: ApiKeyView
    secret: str  # shown once


def parse_role(raw: str) -> Role:
    try:
        return Role(raw.strip().lower())
    except ValueError:
        names = ", ".join(r.value for r in Role)
        raise InvalidInput(f"role must be one of {names}") from None


class ApiKeyService:
    def __init__(
        self,
        store: ApiKeyStore,
        admin_key: str,
        clock: Callable[[], float] = time.time,
        *,
        audit: AuditLog | None = None,
    ) -> None:
        self.store = store
        self.audit = audit
        self.admin_key = admin_key
        self.clock = clock
        self._cache: dict[str, tuple[float, Principal | None, float | None]] = {}

    async def create(
        self, name: str, role: str, expires_days: float | None, by: str = "system"
    ) -> NewApiKey:
        parsed = parse_role(role)
        if not name.strip() or len(name) > 100:
            raise InvalidInput("name must be 1 to 100 characters")
        if expires_days is not None and not 0 < expires_days <= 3650:
            raise InvalidInput("expires must be between 0 and 3650 days")
        now = self.clock()
        key_id = str(uuid.uuid4())
        secret = f"cdp_{secrets.token_urlsafe(32)}"
        expires_at = now + expires_days * DAY if expires_days is not None else None
        await self.store.create(
            key_id=key_id,
            name=name.strip(),
            role=parsed,
            key_hash=key_digest(secret),
            at=now,
            expires_at=expires_at,
        )
        view = ApiKeyView(key_id, name.strip(), parsed, now, expires_at, False)
        if self.audit is not None:
            await self.audit.record(by, "apikey.created", key_id, {"role": parsed.value})
        return NewApiKey(view, secret)

    async def list(self) -> list[ApiKeyView]:
        return await self.store.list()

    async def revoke(self, key_id: str, by: str = "system") -> None:
        if not await self.store.revoke(key_id, self.clock()):
            raise NotFound("no API key with that id in this workspace")
        self._cache.clear()
        if self.audit is not None:
            await self.audit.record(by, "apikey.revoked", key_id)

    async def authenticate(self, token: str | None) -> Principal | None:
        """The caller behind a bearer token, or None (unknown, revoked or expired)."""
        if not token or len(token) > 200:
            return None
        if hmac.compare_digest(token.encode(), self.admin_key.encode()):
            return Principal("admin-api-key", "admin-api-key", Role.ADMIN)
        digest = key_digest(token)
        now = self.clock()
        cached = self._cache.get(digest)
        if cached is None or now - cached[0] >= CACHE_SECONDS:
            key = await self.store.by_hash(digest)
            principal = (
                Principal(key.id, key.name, Role(key.role))
                if key is not None and not key.revoked
                else None
            )
            cached = (now, principal, key.expires_at if key is not None else None)
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[digest] = cached
        _, principal, expires_at = cached
        if principal is None or (expires_at is not None and expires_at <= now):
            return None
        return principal
