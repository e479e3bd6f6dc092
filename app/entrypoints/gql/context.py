"""Per-request GraphQL context: the container, the caller, and the permissions fields need.

Every sensitive field and mutation names a capability (`CanRead`, `CanCurate`, ...); the
caller's role (app/domain/access.py) decides. No credentials: `Unauthorized`; a role without
the capability: `Forbidden`. Both are errors that name the problem, never data.
"""

from __future__ import annotations

from typing import Any, ClassVar

from strawberry.fastapi import BaseContext
from strawberry.permission import BasePermission
from strawberry.types import Info

from app.bootstrap import Container
from app.domain.access import SET_TRAIT, Capability, Principal
from app.entrypoints.gql.loaders import Loaders
from app.errors import Forbidden, Unauthorized

UNAUTHORIZED = "Unauthorized: send 'Authorization: Bearer <API key>'"


class Context(BaseContext):
    def __init__(self, container: Container) -> None:
        super().__init__()
        self.container = container
        self._principal: Principal | None = None
        self._authenticated = False
        self.loaders = Loaders(container, lambda: self.reveals_pii)
        #: Decrypted reads of this request, profile id -> parts; audited once at its end.
        self.pii_reads: dict[str, set[str]] = {}

    def note_pii_read(self, profile_id: str, part: str) -> None:
        self.pii_reads.setdefault(profile_id, set()).add(part)

    async def flush_audit(self) -> None:
        if self.pii_reads and self._principal is not None:
            reads = {pid: {"parts": sorted(parts)} for pid, parts in self.pii_reads.items()}
            self.pii_reads = {}
            await self.container.audit.record_many(self._principal.actor, "pii.read", reads)

    def bearer_token(self) -> str | None:
        """From the Authorization header or, for a WebSocket (browsers cannot set headers on
        one), from the connection_init payload's `Authorization`."""
        header = self.request.headers.get("authorization", "") if self.request else ""
        params = self.connection_params
        if not header and isinstance(params, dict):
            header = str(params.get("Authorization") or params.get("authorization") or "")
        scheme, _, token = header.partition(" ")
        return token.strip() if scheme.lower() == "bearer" and token.strip() else None

    async def principal(self) -> Principal | None:
        """The caller, authenticated once per request."""
        if not self._authenticated:
            self._principal = await self.container.apikeys.authenticate(self.bearer_token())
            self._authenticated = True
        return self._principal

    @property
    def caller(self) -> Principal:
        """The authenticated caller (fields behind a permission only)."""
        if self._principal is None:
            raise Unauthorized(UNAUTHORIZED)
        return self._principal

    @property
    def actor(self) -> str:
        return self.caller.actor

    @property
    def reveals_pii(self) -> bool:
        return self._principal is not None and self._principal.can(Capability.READ_PII)


class _Requires(BasePermission):
    capability: ClassVar[Capability]
    message = UNAUTHORIZED

    async def has_permission(self, source: Any, info: Info[Context, Any], **kwargs: Any) -> bool:
        principal = await info.context.principal()
        if principal is None:
            raise Unauthorized(UNAUTHORIZED)
        if not principal.can(self.capability):
            raise Forbidden(
                f"Forbidden: the {principal.role.value} role lacks '{self.capability.value}'"
            )
        return True


class CanRead(_Requires):
    capability = Capability.READ


class CanCurate(_Requires):
    capability = Capability.CURATE


class CanSetTraits(_Requires):
    """`setTrait`; a journey's `set_trait` of a personal trait needs the same (access.py)."""

    capability = SET_TRAIT


class CanManageSegments(_Requires):
    capability = Capability.SEGMENTS


class CanHandlePrivacy(_Requires):
    capability = Capability.PRIVACY


class IsAdmin(_Requires):
    capability = Capability.ADMIN
