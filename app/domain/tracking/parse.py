"""Segment-spec messages into the pipeline's form: validation, sizes, time.

Each message is validated against the spec's models (`spec.py`) and refused with a message
naming the field, never its value. Timestamps follow Segment's spec ("Common Fields",
Timestamps): the client's time of the event is `timestamp` (or, failing it,
`originalTimestamp`), corrected for the client's clock skew as
`receivedAt - (sentAt - originalTimestamp)` when `sentAt` is known.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import orjson
from pydantic import ValidationError

from app.domain.json_depth import DEPTH_LIMIT, nesting_depth
from app.domain.messages import TrackedMessage
from app.domain.tracking.spec import (
    BATCH_MESSAGES_LIMIT,
    MODELS,
    AliasMessage,
    BatchEnvelope,
    GroupMessage,
    IdentifyMessage,
    PageMessage,
    ScreenMessage,
    SpecMessage,
    TrackMessage,
)
from app.errors import CdpError

#: Segment: "a maximum of 32KB per normal API request" and per event inside a batch.
MESSAGE_LIMIT = 32 * 1024
#: Segment: "The batch API endpoint accepts a maximum of 500KB per request"; also the hard cap
#: on what a compressed body may inflate to.
BATCH_LIMIT = 500 * 1024
DAY = 86_400.0

_ISO = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[Tt ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?"
    r"\s*(?:[Zz]|([+-])(\d{2})(?::?(\d{2}))?)?"
)
_PYDANTIC_WORDS = {
    "missing": "is required",
    "dict_type": "must be an object",
    "list_type": "must be an array",
    "model_type": "must be an object",
}


class TrackingError(CdpError):
    """A request the tracking API refuses; the message names the field, never its value."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def bad_request(message: str) -> TrackingError:
    return TrackingError(400, "invalid_request", message)


def too_large(message: str) -> TrackingError:
    return TrackingError(413, "payload_too_large", message)


def parse_instant(text: str) -> float:
    """ISO-8601 to epoch seconds; no offset means UTC. Lenient on one-digit month and day,
    as in Segment's own batch example ("2015-2-02T00:30:08.276Z")."""
    match = _ISO.fullmatch(text.strip())
    if match is None:
        raise ValueError("not ISO-8601")
    year, month, day, hour, minute, second, fraction, sign, off_h, off_m = match.groups()
    tz = UTC
    if sign is not None:
        offset = timedelta(hours=int(off_h), minutes=int(off_m or 0))
        tz = timezone(-offset if sign == "-" else offset)
    micros = int((fraction or "0")[:6].ljust(6, "0"))
    moment = datetime(
        int(year), int(month), int(day),
        int(hour or 0), int(minute or 0), int(second or 0), micros, tzinfo=tz,
    )  # fmt: skip
    return moment.timestamp()


def correct_timestamp(
    received_at: float, client_time: float | None, sent_at: float | None, horizon_days: int
) -> tuple[float, tuple[str, ...]]:
    """The event's time on the server's clock, and flags for a clamped or very old time."""
    if client_time is None:
        return received_at, ()
    at = client_time if sent_at is None else received_at - (sent_at - client_time)
    if at > received_at:
        return received_at, ("timestamp_clamped",)
    if at < received_at - horizon_days * DAY:
        return at, ("timestamp_old",)
    return at, ()


@dataclass(frozen=True)
class Receipt:
    """Who sent the request and when it arrived: stamped on every message in it."""

    source_id: str
    received_at: float
    horizon_days: int


def describe(error: ValidationError, where: str = "") -> str:
    """The first problem as "field: what is wrong" (pydantic's input values are left out)."""
    problems = error.errors(include_url=False, include_input=False, include_context=False)
    first = problems[0]
    field = ".".join(str(part) for part in first["loc"])
    path = ".".join(part for part in (where, field) if part)
    words = _PYDANTIC_WORDS.get(first["type"], first["msg"])
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"{path}: {words}{more}" if path else f"{words}{more}"


def _check_size(item: Mapping[str, Any], where: str) -> None:
    if nesting_depth(item) > DEPTH_LIMIT:
        raise bad_request(f"{where or 'message'}: nested more than {DEPTH_LIMIT} levels deep")
    if len(orjson.dumps(item)) > MESSAGE_LIMIT:
        raise too_large(f"{where or 'message'}: larger than {MESSAGE_LIMIT // 1024} KB")


def _instant(value: str | None, where: str, field: str) -> float | None:
    if value is None:
        return None
    try:
        return parse_instant(value)
    except (ValueError, OverflowError) as exc:
        path = f"{where}.{field}" if where else field
        raise bad_request(f"{path}: must be an ISO-8601 date-time") from exc


def _validate(kind: str, data: Mapping[str, Any], where: str) -> SpecMessage:
    try:
        return MODELS[kind].model_validate({**data, "type": kind})
    except ValidationError as exc:
        raise bad_request(describe(exc, where)) from exc


def to_tracked(
    message: SpecMessage,
    receipt: Receipt,
    where: str = "",
    sent_at: float | None = None,
    defaults: Mapping[str, Any] | None = None,
) -> TrackedMessage:
    """The pipeline's form: corrected time, group traits kept apart from the person's."""
    client = _instant(message.timestamp, where, "timestamp")
    if client is None:
        client = _instant(message.originalTimestamp, where, "originalTimestamp")
    own_sent_at = _instant(message.sentAt, where, "sentAt")
    at, flags = correct_timestamp(
        receipt.received_at,
        client,
        own_sent_at if own_sent_at is not None else sent_at,
        receipt.horizon_days,
    )
    context = {**defaults, **message.context} if defaults else message.context
    traits: dict[str, Any] = {}
    properties: dict[str, Any] = {}
    event = name = group_id = previous_id = None
    if isinstance(message, IdentifyMessage):
        # rudder-sdk-python sends identify traits only as context.traits.
        context_traits = context.get("traits")
        traits = {**(context_traits if isinstance(context_traits, dict) else {}), **message.traits}
    elif isinstance(message, TrackMessage):
        event, properties = message.event, message.properties
    elif isinstance(message, PageMessage | ScreenMessage):
        name, properties = message.name, message.properties
        if message.category is not None and "category" not in properties:
            properties = {**properties, "category": message.category}
    elif isinstance(message, GroupMessage):
        # A group's traits describe the company, not the person: never identifiers.
        group_id, properties = message.groupId, {"groupTraits": message.traits}
    elif isinstance(message, AliasMessage):
        previous_id = message.previousId
    return TrackedMessage(
        message_id=message.messageId or str(uuid.uuid4()),
        type=message.type,
        source_id=receipt.source_id,
        received_at=receipt.received_at,
        timestamp=at,
        user_id=message.userId,
        anonymous_id=message.anonymousId,
        previous_id=previous_id,
        event=event,
        name=name,
        group_id=group_id,
        traits=traits,
        properties=properties,
        context=context,
        flags=flags,
    )


def parse_single(kind: str, data: Mapping[str, Any], receipt: Receipt) -> TrackedMessage:
    """/v1/<kind>: the path decides the type, whatever `type` the body says."""
    _check_size(data, "")
    return to_tracked(_validate(kind, data, ""), receipt)


def parse_batch(data: Mapping[str, Any], receipt: Receipt) -> list[TrackedMessage]:
    """Every message or none: the first bad one refuses the whole batch, naming its index."""
    items = data.get("batch")
    if isinstance(items, list) and len(items) > BATCH_MESSAGES_LIMIT:
        raise too_large(f"batch: more than {BATCH_MESSAGES_LIMIT} messages")
    try:
        envelope = BatchEnvelope.model_validate(data)
    except ValidationError as exc:
        raise bad_request(describe(exc)) from exc
    sent_at = _instant(envelope.sentAt, "", "sentAt")
    # The defaults are merged into each message, one level below its top.
    for name in ("context", "integrations"):
        if nesting_depth(getattr(envelope, name)) > DEPTH_LIMIT - 1:
            raise bad_request(f"{name}: nested more than {DEPTH_LIMIT} levels deep")
    out: list[TrackedMessage] = []
    for index, item in enumerate(envelope.batch):
        out.append(parse_typed(item, receipt, f"batch[{index}]", sent_at, envelope.context))
    return out


def parse_typed(
    item: Any,
    receipt: Receipt,
    where: str,
    sent_at: float | None = None,
    defaults: Mapping[str, Any] | None = None,
) -> TrackedMessage:
    """One message that says its own `type` (a batch item, a line of an import)."""
    if not isinstance(item, dict):
        raise bad_request(f"{where}: must be an object")
    _check_size(item, where)
    kind = item.get("type")
    if kind is None:
        raise bad_request(f"{where}.type: is required")
    if not isinstance(kind, str) or kind not in MODELS:
        raise bad_request(f"{where}.type: must be one of {', '.join(MODELS)}")
    message = _validate(kind, item, where)
    return to_tracked(message, receipt, where, sent_at, defaults)
