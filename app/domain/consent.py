"""Consent, without I/O: purposes, decisions, and the answer to "may we use this profile for P?".

A decision (granted or denied, with its time, source and optional expiry) is given with one
identifier; a profile's effective consent for a purpose is the latest explicit decision across
its identifiers. Expired consent counts as denied; no decision at all falls back to the
purpose's default, which is denied unless configured otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

#: Segment's consent event (its consent tooling sends it when preferences change).
CONSENT_EVENT = "Segment Consent Preference Updated"
_PURPOSE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_CLEAN = re.compile(r"[^a-z0-9]+")


class ConsentError(ValueError):
    """A purpose or decision that cannot be used; the message names the problem."""


def purpose_name(raw: str) -> str:
    """A category as sent ("Advertising", "functional-cookies") as a purpose name."""
    name = _CLEAN.sub("_", raw.strip().lower()).strip("_")[:64]
    if not _PURPOSE.match(name):
        raise ConsentError(f"purpose {raw[:40]!r} is not a usable name (letters, digits, _)")
    return name


@dataclass(frozen=True)
class Purpose:
    name: str
    description: str = ""
    default_granted: bool = False


@dataclass(frozen=True)
class ConsentPolicy:
    """Configured purposes and how tracker categories map onto them (config/consent.yaml)."""

    purposes: tuple[Purpose, ...] = (
        Purpose("analytics", "measuring and improving the product"),
        Purpose("marketing", "advertising and marketing messages"),
        Purpose("personalisation", "tailoring content and offers"),
    )
    aliases: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> ConsentPolicy:
        unknown = set(raw) - {"purposes", "aliases"}
        if unknown:
            raise ConsentError(f"unknown keys: {', '.join(sorted(unknown))}")
        purposes: list[Purpose] = []
        for name, spec in (raw.get("purposes") or {}).items():
            spec = spec or {}
            if not isinstance(spec, Mapping) or set(spec) - {"description", "default"}:
                raise ConsentError(f"purposes.{name}: allowed keys are description and default")
            default = spec.get("default", "denied")
            if default not in ("granted", "denied"):
                raise ConsentError(f"purposes.{name}.default: 'granted' or 'denied'")
            purposes.append(
                Purpose(
                    purpose_name(str(name)), str(spec.get("description", "")), default == "granted"
                )
            )
        names = {p.name for p in purposes}
        aliases: dict[str, str] = {}
        for alias, target in (raw.get("aliases") or {}).items():
            target_name = purpose_name(str(target))
            if target_name not in names:
                raise ConsentError(f"aliases.{alias}: {target!r} is not a configured purpose")
            aliases[purpose_name(str(alias))] = target_name
        return cls(tuple(purposes) if "purposes" in raw else cls.purposes, aliases)

    def resolve(self, category: str) -> str:
        """The purpose a tracker's category stands for (an unknown one becomes its own)."""
        name = purpose_name(category)
        return self.aliases.get(name, name)

    def default_for(self, purpose: str) -> bool:
        return next((p.default_granted for p in self.purposes if p.name == purpose), False)


@dataclass(frozen=True)
class Decision:
    """One consent decision as stored (history keeps every one)."""

    id: str
    purpose: str
    granted: bool
    at: float
    source: str
    expires_at: float | None = None
    event: str | None = None
    identifier_type: str | None = None


@dataclass(frozen=True)
class Verdict:
    """The answer for one purpose at one moment, with the reason it was given."""

    purpose: str
    allowed: bool
    reason: str  # granted | denied | expired | default_granted | no_decision
    decision: Decision | None = None


def effective(
    decisions: Iterable[Decision], purpose: str, now: float, default_granted: bool = False
) -> Verdict:
    """The latest explicit decision for the purpose; a tie in time is a denial (the safe side)."""
    latest: Decision | None = None
    for d in decisions:
        if d.purpose != purpose:
            continue
        if latest is None or (d.at, not d.granted) > (latest.at, not latest.granted):
            latest = d
    if latest is None:
        return Verdict(
            purpose, default_granted, "default_granted" if default_granted else "no_decision"
        )
    if not latest.granted:
        return Verdict(purpose, False, "denied", latest)
    if latest.expires_at is not None and latest.expires_at <= now:
        return Verdict(purpose, False, "expired", latest)
    return Verdict(purpose, True, "granted", latest)


def preferences(context: Mapping[str, Any]) -> tuple[dict[str, bool], list[str]]:
    """Segment's `context.consent.categoryPreferences`: {category: bool}, and what was unusable."""
    consent = context.get("consent")
    if not isinstance(consent, Mapping):
        return {}, []
    raw = consent.get("categoryPreferences")
    if not isinstance(raw, Mapping):
        return {}, []
    found: dict[str, bool] = {}
    refused: list[str] = []
    for category, value in raw.items():
        if isinstance(value, bool) and isinstance(category, str):
            found[category] = value
        else:
            refused.append("consent_invalid")
    return found, refused
