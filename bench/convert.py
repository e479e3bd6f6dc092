"""Generated Segment dicts as the resolver sees them (`TrackedMessage`), without HTTP.

The raw-limit writer and the latency phase need to know what a message says about identity
(identifiers, owner, evidence rule) exactly as the platform decides it; this module gives them
the platform's own `identify_message` over a `TrackedMessage` built the way the tracking API
builds one (identify traits include `context.traits`; only alias calls carry `previousId`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast

from app.domain.identity import BlockList, IdentityRules
from app.domain.messages import MessageIdentity, MessageType, TrackedMessage, identify_message


def _text(value: Any) -> str | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    return str(value)


def _mapping(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}


def to_tracked(message: Mapping[str, Any], source_id: str, received_at: float) -> TrackedMessage:
    """The pipeline's form of one generated message (times clamped to `received_at`)."""
    type_ = cast(MessageType, message["type"])
    stamp = message.get("timestamp")
    at = datetime.fromisoformat(stamp).timestamp() if isinstance(stamp, str) else received_at
    context = _mapping(message.get("context"))
    traits: dict[str, Any] = {}
    if type_ == "identify":
        traits = {**_mapping(context.get("traits")), **_mapping(message.get("traits"))}
    return TrackedMessage(
        message_id=str(message["messageId"]),
        type=type_,
        source_id=source_id,
        received_at=received_at,
        timestamp=min(at, received_at),
        user_id=_text(message.get("userId")),
        anonymous_id=_text(message.get("anonymousId")),
        previous_id=_text(message.get("previousId")) if type_ == "alias" else None,
        event=_text(message.get("event")) if type_ == "track" else None,
        name=_text(message.get("name")) if type_ in ("page", "screen") else None,
        group_id=_text(message.get("groupId")) if type_ == "group" else None,
        traits=traits,
        properties=_mapping(message.get("properties")),
        context=context,
    )


class Identities:
    """What messages say about identity, under one set of rules."""

    def __init__(self, rules: IdentityRules | None = None) -> None:
        self.rules = rules or IdentityRules()
        self.blocklist = BlockList.from_rules(self.rules)

    def of(self, message: TrackedMessage) -> MessageIdentity:
        return identify_message(message, self.rules, self.blocklist)

    def owned(self, message: Mapping[str, Any]) -> bool:
        """True when the event will hang off an identifier (so it can show in a profile)."""
        return self.of(to_tracked(message, "-", 0.0)).owner is not None
