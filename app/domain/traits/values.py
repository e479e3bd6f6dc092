"""A trait's value coerced to its field's type, and the canonical text that identifies it."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from app.domain.traits.schema import MAX_LIST_ITEMS, MAX_STRING_LENGTH, TraitError, TraitField

_NUMBER_RE = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def canonical_json(value: Any) -> str:
    """The id of a plain value: equal coerced values give equal strings."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def coerce(field: TraitField, value: Any) -> Any:
    """``value`` in the canonical form of ``field``'s type, or TraitError.

    The message names the field, the expected type and the type received, never the value:
    it ends up in logs and API errors, and the value may be personal.
    """

    def fail(detail: str = "") -> TraitError:
        got = type(value).__name__
        return TraitError(f"{field.name}: expected {field.type}{detail} (got {got})")

    if field.type == "list":
        if not isinstance(value, list | tuple | set | frozenset) or len(value) > MAX_LIST_ITEMS:
            raise fail(f" of at most {MAX_LIST_ITEMS} JSON scalars")
        items = {canonical_json(i): i for i in (_scalar(v, fail) for v in value)}
        return tuple(sorted(items.values(), key=_item_key))
    if field.type == "number":
        return _number(value, fail)
    if field.type == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        raise fail(" (true or false)")
    if field.type == "timestamp":
        return _timestamp(value, fail)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # a zip code or a phone number sent as a JSON number
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_STRING_LENGTH:
        raise fail(f" (non-empty, at most {MAX_STRING_LENGTH} characters)")
    return value.strip()


def _scalar(value: Any, fail: Callable[[str], TraitError]) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return _number(value, fail)
    if isinstance(value, str) and value.strip() and len(value) <= MAX_STRING_LENGTH:
        return value.strip()
    raise fail(f" of at most {MAX_LIST_ITEMS} JSON scalars")


def _item_key(item: Any) -> tuple[int, Any]:
    """Booleans, then numbers in numeric order, then strings: one order for any arrival."""
    return (0 if isinstance(item, bool) else 1 if isinstance(item, int | float) else 2, item)


def _number(value: Any, fail: Callable[[str], TraitError]) -> int | float:
    if isinstance(value, str) and len(value) <= 100 and _NUMBER_RE.fullmatch(value.strip()):
        value = float(value) if any(c in value for c in ".eE") else int(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise fail(" (finite)")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise fail(" (finite)")
        if value.is_integer() and abs(value) < 2**53:
            return int(value)  # 1.0 and 1 are one value and must have one id
    return value


def _timestamp(value: Any, fail: Callable[[str], TraitError]) -> str:
    """ISO-8601 in, ISO-8601 UTC out; naive times are taken as UTC, numbers as Unix seconds."""
    if isinstance(value, bool) or not isinstance(value, datetime | int | float | str):
        raise fail(" (ISO-8601 or Unix seconds)")
    try:
        if isinstance(value, datetime):
            moment = value
        elif isinstance(value, str):
            moment = datetime.fromisoformat(value.strip())
        else:
            moment = _EPOCH + timedelta(seconds=value)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
    except (ValueError, OverflowError):
        # Chained exceptions would carry the value into tracebacks: suppress them.
        raise fail(" (ISO-8601 or Unix seconds)") from None
