"""Per-request GraphQL context: the container and the caller's credentials."""

from __future__ import annotations

import hmac
from typing import Any

from strawberry.fastapi import BaseContext
from strawberry.permission import BasePermission
from strawberry.types import Info

from app.bootstrap import Container


class Context(BaseContext):
    def __init__(self, container: Container) -> None:
        super().__init__()
        self.container = container

    def bearer_token(self) -> str | None:
        if self.request is None:
            return None
        header = self.request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        return token.strip() if scheme.lower() == "bearer" and token.strip() else None

    def is_admin(self) -> bool:
        token = self.bearer_token()
        expected = self.container.settings.admin_api_key.get_secret_value()
        return token is not None and hmac.compare_digest(token.encode(), expected.encode())


class IsAdmin(BasePermission):
    """Until roles exist, everything but `health` needs the admin API key."""

    message = "Unauthorized: send 'Authorization: Bearer <admin API key>'"

    def has_permission(self, source: Any, info: Info[Context, Any], **kwargs: Any) -> bool:
        return info.context.is_admin()
