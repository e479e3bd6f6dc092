"""Builders for tracked messages used across tests."""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any

from app.domain.messages import MessageType, TrackedMessage

_ids = itertools.count(1)


def message(
    type: MessageType = "track",
    *,
    user: str | None = None,
    anon: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    device: str | None = None,
    previous: str | None = None,
    external: list[dict[str, str]] | None = None,
    at: float = 1_700_000_000.0,
    message_id: str | None = None,
    source: str = "src-test",
    event: str | None = "Viewed",
    traits: dict[str, Any] | None = None,
    properties: dict[str, Any] | None = None,
) -> TrackedMessage:
    all_traits: dict[str, Any] = dict(traits or {})
    if email is not None:
        all_traits["email"] = email
    if phone is not None:
        all_traits["phone"] = phone
    context: dict[str, Any] = {}
    if device is not None:
        context["device"] = {"id": device, "type": "ios", "model": "iPhone15,2"}
    if external is not None:
        context["externalIds"] = external
    return TrackedMessage(
        message_id=message_id or f"m-{next(_ids)}",
        type=type,
        source_id=source,
        received_at=at,
        timestamp=at,
        user_id=user,
        anonymous_id=anon,
        previous_id=previous,
        event=event if type == "track" else None,
        traits=all_traits if type == "identify" else {},
        properties=properties or {},
        context={**context, "traits": all_traits} if type != "identify" and all_traits else context,
    )


def with_context(m: TrackedMessage, **context: Any) -> TrackedMessage:
    """The message with more context (device, os, app, screen, userAgent...)."""
    return dataclasses.replace(m, context={**m.context, **context})
