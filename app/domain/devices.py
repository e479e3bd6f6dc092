"""What a message says about the device it comes from: plain facts, never a person.

Trackers describe the device in `context.device` (type, manufacturer, model; its `name`, often
"Jane's iPhone", is never read), `context.os`, `context.app`, `context.screen` and, in web
browsers, `context.userAgent`. The user agent is parsed (ua-parser) into browser, system and
device fields and then forgotten: the raw string is a fingerprint, so it is never kept.

Everything here tolerates junk: a value of the wrong type is ignored, a long one cut, and
a user agent longer than `UA_LIMIT` is parsed from its start only. Parses are cached, since
the same few user agents arrive again and again.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import ua_parser

#: A fact longer than this is cut (real models, versions and app names are far shorter).
FACT_LIMIT = 100
#: Only this much of a user agent is parsed (real ones stay under 300 characters).
UA_LIMIT = 512
#: Screen sizes outside 1..this many pixels are junk.
SCREEN_LIMIT = 100_000
#: Pixel densities outside (0, this] are junk.
DENSITY_LIMIT = 20.0
#: Fact names, in the order the GraphQL API and the subject export show them.
FACT_NAMES: tuple[str, ...] = (
    "type",
    "manufacturer",
    "model",
    "family",
    "os_name",
    "os_version",
    "app_name",
    "app_version",
    "app_build",
    "app_namespace",
    "browser_name",
    "browser_version",
    "screen_width",
    "screen_height",
    "screen_density",
)
#: Facts stated outright: (context section, ((field, fact name), ...)). The device's `name`
#: is deliberately not read.
_STATED: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("device", (("type", "type"), ("manufacturer", "manufacturer"), ("model", "model"))),
    ("os", (("name", "os_name"), ("version", "os_version"))),
    (
        "app",
        (
            ("name", "app_name"),
            ("version", "app_version"),
            ("build", "app_build"),
            ("namespace", "app_namespace"),
        ),
    ),
)
#: What ua-parser answers when it does not know.
_UNKNOWN = frozenset({"other", "generic", "generic smartphone", "generic feature phone"})

Fact = str | int | float


def device_key(identifier_key: str) -> str:
    """The key of the device an identifier names: derived from the identifier's key (a keyed
    hash, nothing personal), so the same identifier always reaches the same device."""
    return f"device:{identifier_key}"


def fact_text(value: Any) -> str | None:
    """A string or number as a printable, bounded string; anything else (None, booleans,
    objects, lists) is no fact."""
    if isinstance(value, str):
        text = value[: FACT_LIMIT * 4]
    elif isinstance(value, int | float) and not isinstance(value, bool):
        text = str(value)
    else:
        return None
    if not text.isprintable():  # the common case skips this walk
        text = "".join(ch for ch in text if ch.isprintable())
    return text.strip()[:FACT_LIMIT] or None


def _number(value: Any, limit: float) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip()[:32])
        except ValueError:
            return None
    if not isinstance(value, int | float) or not 0 < value <= limit:
        return None  # also NaN, which compares false
    return float(value)


def _version(*parts: str | None) -> str | None:
    found = [p for p in parts if p]
    return ".".join(found) if found else None


def _known(value: str | None) -> str | None:
    text = fact_text(value)
    return text if text and text.lower() not in _UNKNOWN else None


def parse_user_agent(user_agent: str) -> tuple[tuple[str, str], ...]:
    """The facts a user agent tells (browser, system, device), as (name, value) pairs. Cut
    to UA_LIMIT before the cache sees it: a cache of hostile, huge strings would hold them."""
    return _parse_user_agent(user_agent[:UA_LIMIT])


@lru_cache(maxsize=8192)
def _parse_user_agent(user_agent: str) -> tuple[tuple[str, str], ...]:
    result = ua_parser.parse(user_agent)
    found: dict[str, str | None] = {}
    if (agent := result.user_agent) is not None:
        found["browser_name"] = _known(agent.family)
        found["browser_version"] = _version(agent.major, agent.minor, agent.patch)
    if (system := result.os) is not None:
        found["os_name"] = _known(system.family)
        found["os_version"] = _version(system.major, system.minor, system.patch)
    if (device := result.device) is not None:
        found["family"] = _known(device.family)
        found["manufacturer"] = _known(device.brand)
        found["model"] = _known(device.model)
    return tuple((k, text) for k, v in found.items() if (text := fact_text(v)) is not None)


def device_facts(context: Mapping[str, Any]) -> dict[str, Fact]:
    """The device facts of a message's context. What the tracker states outright wins over
    what its user agent suggests. (Called for every message: sections absent cost nothing.)"""
    facts: dict[str, Fact] = {}
    agent = context.get("userAgent")
    if isinstance(agent, str) and agent.strip():
        facts.update(parse_user_agent(agent))
    for section, names in _STATED:
        part = context.get(section)
        if not isinstance(part, Mapping):
            continue
        for field, name in names:
            value = part.get(field)
            if value is not None and (text := fact_text(value)) is not None:
                facts[name] = text
    screen = context.get("screen")
    if isinstance(screen, Mapping):
        for name in ("width", "height"):
            if (size := _number(screen.get(name), SCREEN_LIMIT)) is not None:
                facts[f"screen_{name}"] = int(size)
        if (density := _number(screen.get("density"), DENSITY_LIMIT)) is not None:
            facts["screen_density"] = density
    return facts
