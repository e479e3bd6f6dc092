"""Masking personal trait values for callers who may not see them.

A masked value keeps just enough to recognise a record by eye (the e-mail domain, a phone's
country and last digits) and never the whole value. It is a display aid, not a security
boundary: the boundary is that unmasked personal values are only decrypted for allowed roles.
Masking never raises, because it runs while rendering an answer, on whatever was stored.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from phonenumbers import COUNTRY_CODE_TO_REGION_CODE

from app.domain.traits.schema import TraitField
from app.domain.traits.survivorship import Candidate, Decision

STARS = "***"
_PHONE_RE = re.compile(r"\+\d{6,15}")
_PHONE_PUNCTUATION_RE = re.compile(r"[\s().\-]")


def mask(field_type: str, value: Any) -> Any:
    """``value`` masked for display, shaped by ``field_type``; None stays None."""
    try:
        if value is None:
            return None
        if isinstance(value, list | tuple | set | frozenset):
            return [mask("string", item) for item in value]
        if field_type in ("string", "list") and isinstance(value, str):
            return _mask_text(value)
        return STARS
    except Exception:  # pragma: no cover - belt and braces: a display helper must not fail
        return STARS


def _mask_text(text: str) -> str:
    local, at, domain = text.rpartition("@")
    if at and local and domain:
        return _first(local) + at + domain
    compact = _PHONE_PUNCTUATION_RE.sub("", text)
    if _PHONE_RE.fullmatch(compact):
        return _mask_phone(compact[1:])
    return _first(text)


def _first(text: str) -> str:
    """First character and stars; a single character would be the whole value, so none."""
    return text[0] + STARS if len(text) > 1 else STARS


def _mask_phone(digits: str) -> str:
    """Keep the country code (the prefix-free ITU code, 1 to 3 digits) and the last three."""
    code = next(
        (digits[:n] for n in (1, 2, 3) if int(digits[:n]) in COUNTRY_CODE_TO_REGION_CODE), ""
    )
    hidden = len(digits) - len(code) - 3
    if hidden < 3:  # too short to show anything safely
        return "+" + code + "*" * (len(digits) - len(code))
    return "+" + code + "*" * hidden + digits[-3:]


def _mask_candidate(field: TraitField, candidate: Candidate) -> Candidate:
    item_type = "string" if field.type == "list" else field.type
    return replace(candidate, value=mask(item_type, candidate.value))


def mask_decision(field: TraitField, decision: Decision) -> Decision:
    """The decision with every value masked if ``field`` is personal, else unchanged.

    Value ids stay: a personal one is a keyed hash, and callers need it to refer to a
    candidate (to pin it, or to ask an allowed colleague)."""
    if field.pii != "personal":
        return decision
    return replace(
        decision,
        winner=_mask_candidate(field, decision.winner),
        candidates=tuple(_mask_candidate(field, c) for c in decision.candidates),
    )
