"""Segment-spec messages as pydantic models: the shape the tracking API accepts, field by field.

Unknown top-level fields are allowed: Segment's own docs send `"email"` beside `userId`, and the
SDKs add `channel`, `writeKey` or `version`. They are kept on the model but not carried into
`TrackedMessage`, which has no place for them. Every optional field also takes JSON `null`
(segment-analytics-python sends `"anonymousId": null`, `"name": null`...). Ids may be numbers
(the SDKs allow `previous_id=42`) and become strings. Timestamps stay text here; `parse`
turns them into epoch seconds and corrects the client's clock.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from app.domain.messages import MessageType

#: A message id longer than this is refused: it becomes part of the de-duplication key.
MAX_MESSAGE_ID = 255
#: An event's name (a track's `event`, a page's or screen's `name`) longer than this is
#: refused: names are indexed in Neo4j, whose index entries hold at most about 8 KB, and a
#: longer one would fail every write of its batch until it was dead-lettered.
MAX_NAME = 1000
#: A number id past this cannot be told from its neighbours once read as a float (JSON numbers
#: past 2^64 are), so two people's ids would become one identifier: such an id must be text.
_EXACT_FLOAT = 2.0**53


def _id(value: Any) -> str | None:
    """Strings as sent, numbers as their text, "" as absent; anything else is refused."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, float) and abs(value) >= _EXACT_FLOAT:
        raise PydanticCustomError(
            "id_precision", "a number this large loses its digits: send it as a string"
        )
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise PydanticCustomError("id_type", "must be a string or a number")


def _required_id(value: Any) -> str:
    text = _id(value)
    if text is None:
        raise PydanticCustomError("id_missing", "must be a non-empty string or a number")
    return text


def _message_id(value: Any) -> str | None:
    text = _id(value)
    if text is not None and len(text) > MAX_MESSAGE_ID:
        raise PydanticCustomError("id_length", f"must be at most {MAX_MESSAGE_ID} characters")
    return text


def _object(value: Any) -> Any:
    """`null` means empty; the type check itself is pydantic's (dict only)."""
    return {} if value is None else value


def _text(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    raise PydanticCustomError("string_type", "must be a string")


def _name(value: Any) -> Any:
    text = _text(value)
    if text is not None and len(text) > MAX_NAME:
        raise PydanticCustomError("name_length", f"must be at most {MAX_NAME} characters")
    return text


def _required_name(value: Any) -> str:
    if isinstance(value, str) and value:
        return str(_name(value))
    raise PydanticCustomError("string_type", "must be a non-empty string")


Id = Annotated[str | None, BeforeValidator(_id)]
MessageId = Annotated[str | None, BeforeValidator(_message_id)]
JsonObject = Annotated[dict[str, Any], BeforeValidator(_object)]
Text = Annotated[str | None, BeforeValidator(_text)]
Name = Annotated[
    str | None, BeforeValidator(_name), Field(json_schema_extra={"maxLength": MAX_NAME})
]
DateText = Annotated[
    str | None, BeforeValidator(_text), Field(json_schema_extra={"format": "date-time"})
]


class SpecMessage(BaseModel):
    """Fields common to every call (Segment spec, "Common Fields")."""

    model_config = ConfigDict(extra="allow")

    type: MessageType
    userId: Id = None
    anonymousId: Id = None
    messageId: MessageId = None
    timestamp: DateText = None
    originalTimestamp: DateText = None
    sentAt: DateText = None
    context: JsonObject = Field(default_factory=dict)
    integrations: JsonObject = Field(default_factory=dict)

    @model_validator(mode="after")
    def _someone(self) -> SpecMessage:
        if self.userId is None and self.anonymousId is None:
            raise PydanticCustomError("identity", "userId or anonymousId is required")
        return self


class IdentifyMessage(SpecMessage):
    type: Literal["identify"] = "identify"
    traits: JsonObject = Field(default_factory=dict)


class TrackMessage(SpecMessage):
    type: Literal["track"] = "track"
    event: Annotated[str, BeforeValidator(_required_name), Field(max_length=MAX_NAME)]
    properties: JsonObject = Field(default_factory=dict)


class PageMessage(SpecMessage):
    type: Literal["page"] = "page"
    name: Name = None
    category: Text = None
    properties: JsonObject = Field(default_factory=dict)


class ScreenMessage(SpecMessage):
    type: Literal["screen"] = "screen"
    name: Name = None
    category: Text = None
    properties: JsonObject = Field(default_factory=dict)


class GroupMessage(SpecMessage):
    type: Literal["group"] = "group"
    groupId: Annotated[str, BeforeValidator(_required_id)]
    traits: JsonObject = Field(default_factory=dict)


class AliasMessage(SpecMessage):
    type: Literal["alias"] = "alias"
    previousId: Annotated[str, BeforeValidator(_required_id)]


MODELS: dict[str, type[SpecMessage]] = {
    "identify": IdentifyMessage,
    "track": TrackMessage,
    "page": PageMessage,
    "screen": ScreenMessage,
    "group": GroupMessage,
    "alias": AliasMessage,
}


#: At most this many messages in one batch: far above what any SDK sends (they flush at 20 to
#: 100), below what 500 KB of the smallest valid messages could hold, and small enough that
#: one batch is one bounded write.
BATCH_MESSAGES_LIMIT = 10_000


class BatchEnvelope(BaseModel):
    """`/v1/batch` and `/v1/import`: the messages plus defaults merged into each of them."""

    model_config = ConfigDict(extra="allow")

    batch: list[Any]
    sentAt: DateText = None
    context: JsonObject = Field(default_factory=dict)
    integrations: JsonObject = Field(default_factory=dict)
    writeKey: Text = None


#: An id as the server takes it: a string, or a number small enough to keep its digits.
_ANY_ID: dict[str, Any] = {
    "anyOf": [
        {"type": "string"},
        {"type": "number", "minimum": -_EXACT_FLOAT + 1, "maximum": _EXACT_FLOAT - 1},
        {"type": "null"},
    ]
}
_PRESENT_ID: dict[str, Any] = {
    "anyOf": [
        {"type": "string", "minLength": 1},
        {"type": "number", "minimum": -_EXACT_FLOAT + 1, "maximum": _EXACT_FLOAT - 1},
    ]
}


def _as_validated(schema: dict[str, Any]) -> dict[str, Any]:
    """A message's schema saying what validation really takes: ids as strings or exact
    numbers, `userId` or `anonymousId` present, names and required ids non-empty, message
    ids bounded (pydantic's schema knows none of the validators' rules)."""
    props = schema["properties"]
    for name in ("userId", "anonymousId"):
        props[name] = dict(_ANY_ID)
    props["messageId"] = {
        "anyOf": [
            {"type": "string", "maxLength": MAX_MESSAGE_ID},
            {"type": "number", "minimum": -_EXACT_FLOAT + 1, "maximum": _EXACT_FLOAT - 1},
            {"type": "null"},
        ]
    }
    for name in ("groupId", "previousId"):
        if name in props:
            props[name] = dict(_PRESENT_ID)
    if "event" in props:
        props["event"] = {**props["event"], "minLength": 1}
    schema["anyOf"] = [
        {"required": [name], "properties": {name: dict(_PRESENT_ID)}}
        for name in ("userId", "anonymousId")
    ]
    return schema


def request_schema(kind: str) -> dict[str, Any]:
    """The OpenAPI request body of one endpoint, inlined (the models have no nested refs)."""
    if kind == "batch":
        items = [_as_validated(_item_schema(name)) for name in MODELS]
        schema = BatchEnvelope.model_json_schema()
        schema["properties"]["batch"] = {
            "type": "array",
            "items": {"oneOf": items},
            "maxItems": BATCH_MESSAGES_LIMIT,
        }
    else:
        schema = _as_validated(MODELS[kind].model_json_schema())
        schema["properties"]["writeKey"] = {"type": "string"}
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _item_schema(kind: str) -> dict[str, Any]:
    schema = MODELS[kind].model_json_schema()
    schema["required"] = sorted({*schema.get("required", []), "type"})
    return schema
