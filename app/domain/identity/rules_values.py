"""Reading the values of config/identity.yaml: one parser per key, each naming the key in the
error it raises (`RulesError`), so a bad configuration says where it is wrong."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from app.domain.identity.identifiers import IdentifierError, validate_type
from app.domain.identity.spelling import REGION_SOURCES, Mailbox

_RULE_RE = re.compile(r"[a-z][a-z0-9_]{0,63}")


class RulesError(ValueError):
    """A rules configuration that cannot be used; the message names the bad key."""


def positive_int(key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise RulesError(f"{key}: expected an integer >= 1, got {value!r}")
    return value


def link_weight(key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RulesError(f"{key}: expected a number, got {value!r}")
    if not (math.isfinite(value) and 0 < value <= 1):
        raise RulesError(f"{key}: weight must be in (0, 1], got {value!r}")
    return float(value)


def type_name(key: str, value: Any) -> str:
    try:
        return validate_type(value)
    except IdentifierError:
        raise RulesError(f"{key}: invalid identifier type {value!r}") from None


def rule_name(key: str, value: Any) -> str:
    if not isinstance(value, str) or not _RULE_RE.fullmatch(value):
        raise RulesError(f"{key}: invalid rule name {value!r}")
    return value


def _str_list(key: str, value: Any) -> list[Any]:
    if isinstance(value, str | bytes) or not isinstance(value, list | tuple | set | frozenset):
        raise RulesError(f"{key}: expected a list, got {value!r}")
    return list(value)


def _mapping(key: str, value: Any) -> Mapping[Any, Any]:
    if not isinstance(value, Mapping):
        raise RulesError(f"{key}: expected a mapping, got {value!r}")
    return value


def _parse_link_weights(key: str, value: Any) -> dict[str, float]:
    items = _mapping(key, value).items()
    return {rule_name(key, r): link_weight(f"{key}.{r}", w) for r, w in items}


def _parse_type_caps(key: str, value: Any) -> dict[str, int]:
    items = _mapping(key, value).items()
    return {type_name(key, t): positive_int(f"{key}.{t}", c) for t, c in items}


def _parse_priority(key: str, value: Any) -> tuple[str, ...]:
    return tuple(type_name(key, t) for t in _str_list(key, value))


def _parse_types(key: str, value: Any) -> frozenset[str]:
    return frozenset(type_name(key, v) for v in _str_list(key, value))


def _parse_switch(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise RulesError(f"{key}: expected true or false, got {value!r}")
    return value


def _parse_days(key: str, value: Any) -> dict[str, float]:
    items = _mapping(key, value).items()
    return {type_name(key, t): days(f"{key}.{t}", d) for t, d in items}


def _duration(key: str, value: Any, unit: str, most: float) -> float:
    """A number of `unit` above 0 and at most `most`."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= most:
        raise RulesError(
            f"{key}: expected a number of {unit} above 0, at most {most:g}, got {value!r}"
        )
    return float(value)


def days(key: str, value: Any) -> float:
    return _duration(key, value, "days", 36_500)


def hours(key: str, value: Any) -> float:
    return _duration(key, value, "hours", 8_760)


def _parse_rules(key: str, value: Any) -> frozenset[str]:
    return frozenset(rule_name(key, r) for r in _str_list(key, value))


def _parse_patterns(key: str, value: Any) -> tuple[str, ...]:
    items = _str_list(key, value)
    for p in items:
        if not isinstance(p, str):
            raise RulesError(f"{key}: expected a string pattern, got {p!r}")
    return tuple(items)


def _parse_values(key: str, value: Any) -> frozenset[str]:
    items = _str_list(key, value)
    for v in items:
        if not isinstance(v, str) or not v.strip():
            raise RulesError(f"{key}: expected a non-empty string, got {v!r}")
    return frozenset(v.strip().lower() for v in items)


def _parse_region(key: str, value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise RulesError(f"{key}: expected a region code or null, got {value!r}")
    return value


def _parse_region_sources(key: str, value: Any) -> tuple[str, ...]:
    items = _str_list(key, value)
    for item in items:
        if item not in REGION_SOURCES:
            raise RulesError(f"{key}: expected any of {', '.join(REGION_SOURCES)}, got {item!r}")
    if len(set(items)) != len(items):
        raise RulesError(f"{key}: duplicate entry")
    return tuple(items)


_MAILBOX_KEYS = frozenset({"same_as", "ignore_dots", "tag_separator"})


def _parse_mailbox(key: str, value: Any) -> Mailbox:
    data = _mapping(key, value)
    unknown = sorted(str(k) for k in data if k not in _MAILBOX_KEYS)
    if unknown:
        raise RulesError(f"{key}: unknown key(s) {', '.join(unknown)}")
    same_as, dots, tag = (
        data.get("same_as"),
        data.get("ignore_dots", False),
        data.get("tag_separator"),
    )
    if same_as is not None and not isinstance(same_as, str):
        raise RulesError(f"{key}.same_as: expected a domain or null, got {same_as!r}")
    if not isinstance(dots, bool):
        raise RulesError(f"{key}.ignore_dots: expected true or false, got {dots!r}")
    if tag is not None and (not isinstance(tag, str) or len(tag) != 1 or tag in "@. "):
        raise RulesError(f"{key}.tag_separator: expected one character (not @, . or space)")
    return Mailbox(same_as.strip().lower() if same_as else None, dots, tag)


def _parse_providers(key: str, value: Any) -> dict[str, Mailbox]:
    items = _mapping(key, value).items()
    return {str(d).strip().lower(): _parse_mailbox(f"{key}.{d}", m) for d, m in items}


PARSERS: dict[str, Callable[[str, Any], Any]] = {
    "link_weights": _parse_link_weights,
    "type_caps": _parse_type_caps,
    "type_priority": _parse_priority,
    "total_cap": positive_int,
    "cap_window_days": _parse_days,
    "generic_degree": positive_int,
    "generic_rivals": positive_int,
    "successor_rules": _parse_rules,
    "session_types": _parse_types,
    "late_binding_rules": _parse_rules,
    "late_binding_types": _parse_types,
    "late_binding_threshold": positive_int,
    "blocked_patterns": _parse_patterns,
    "blocked_values": _parse_values,
    "default_region": _parse_region,
    "phone_region_from": _parse_region_sources,
    "email_providers": _parse_providers,
    "reassigned_after_days": _parse_days,
    "emails_in_user_ids": _parse_switch,
    "bot_events": positive_int,
    "bot_window_hours": hours,
}
