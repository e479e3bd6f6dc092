"""A destination's definition as a pydantic model: what an operator saves, checked field by
field before anything is sealed or stored. The kind's own configuration (`config`) is checked by
the kind itself (a built-in kind or a plugin)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

Topic = Literal["profiles", "segments", "events"]
#: What a destination can receive.
TOPICS: tuple[Topic, ...] = ("profiles", "segments", "events")


class DestinationError(ValueError):
    """A definition that cannot be used; the message starts with the field at fault."""


class DestinationDefinition(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    name: str = Field(pattern=r"^[A-Za-z0-9_]{1,64}$", description="letters, digits and _")
    kind: str = Field(min_length=1, max_length=64, description="webhook, segment or a plugin's")
    topics: tuple[Topic, ...] = Field(TOPICS, min_length=1)
    purpose: str | None = Field(None, max_length=64, description="the consent purpose it serves")
    batch_size: int = Field(100, ge=1, le=1000)
    forward_erasures: bool = False
    config: dict[str, Any] = Field(default_factory=dict)


_HINTS = {
    "name": "letters, digits and _ (at most 64)",
    "topics": f"some of {', '.join(TOPICS)}",
    "purpose": "a consent purpose",
    "batch_size": "between 1 and 1000",
}


def parse_destination(raw: Any) -> DestinationDefinition:
    """The definition, or a `DestinationError` naming the first field at fault."""
    if not isinstance(raw, dict):
        raise DestinationError("destination: expected an object")
    raw = {**raw, "topics": tuple(raw["topics"])} if isinstance(raw.get("topics"), list) else raw
    try:
        return DestinationDefinition.model_validate(raw)
    except ValidationError as exc:
        problem = exc.errors(include_url=False, include_input=False, include_context=False)[0]
        loc = [str(p) for p in problem["loc"]]
        field = loc[0] if loc else "destination"
        hint = _HINTS.get(field, problem["msg"])
        raise DestinationError(f"{'.'.join(loc) or 'destination'}: {hint}") from None
