"""Identifier types, normalisation and blocked values.

Values are normalised before they are hashed into a blind index, so two spellings of one
e-mail or phone number must become one string here, or the graph would hold two nodes for
one person. Blocked values (placeholders such as ``null`` or an all-zero UUID) would glue
unrelated people together, so they never become identifiers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import phonenumbers

from app.domain.identity.spelling import NO_MAILBOX_RULES, Mailboxes

if TYPE_CHECKING:
    from app.domain.identity.rules import IdentityRules

USER_ID = "user_id"
ANONYMOUS_ID = "anonymous_id"
EMAIL = "email"
PHONE = "phone"
DEVICE_ID = "device_id"
KNOWN_TYPES: frozenset[str] = frozenset({USER_ID, ANONYMOUS_ID, EMAIL, PHONE, DEVICE_ID})

MAX_VALUE_LENGTH = 512
_TYPE_RE = re.compile(r"[a-z][a-z0-9_]{0,63}")
_WHITESPACE_RE = re.compile(r"\s")

DEFAULT_BLOCKED_PATTERNS: tuple[str, ...] = (
    r"[0-]*",
    r"null|undefined|none|nil|nan|anonymous|unknown|n/?a|test|guest|0|-1|\s*",
    # Device ids that many devices share: the all-F UUID, and the MAC addresses Android and
    # iOS hand out instead of the real one (02:00:00:00:00:00) or when there is none.
    r"f{8}-?f{4}-?f{4}-?f{4}-?f{12}",
    r"(00[:-]?){5}00|(ff[:-]?){5}ff|02:00:00:00:00:00",
)
DEFAULT_BLOCKED_VALUES: frozenset[str] = frozenset(
    {
        "test@test.com",
        "test@example.com",
        "noreply@example.com",
        "email@example.com",
        "user@example.com",
        "+10000000000",
        # The ANDROID_ID of a whole generation of Android 2.2 phones, and a common placeholder
        # serial number of emulators and cheap devices.
        "9774d56d682e549c",
        "0123456789abcdef",
    }
)


class IdentifierError(ValueError):
    """An identifier that cannot be used; the app layer maps it to a user-facing error."""


def validate_type(type: str) -> str:
    """Return ``type`` if it is a known or well-formed external id type, else raise.

    Types end up in node keys and labels of explanations, so they are kept to a safe alphabet.
    """
    if not isinstance(type, str) or not _TYPE_RE.fullmatch(type):
        # Not repeated: a type and a value sent the wrong way round would put the value here.
        raise IdentifierError(
            "invalid identifier type (lower-case letters, digits and _, at most 64, "
            "starting with a letter)"
        )
    return type


def is_external(type: str) -> bool:
    """True for a type that came from ``context.externalIds`` rather than the known five."""
    return validate_type(type) not in KNOWN_TYPES


def _normalise_email(value: str, mailboxes: Mailboxes) -> str:
    email = value.lower()
    local, at, domain = email.partition("@")
    if not at or not local or not domain or "@" in domain:
        raise IdentifierError("invalid email: expected exactly one '@' between two parts")
    if _WHITESPACE_RE.search(email):
        raise IdentifierError("invalid email: contains whitespace")
    local, domain = mailboxes.canonical(local, domain)
    return f"{local}@{domain}"


def _normalise_phone(value: str, default_region: str | None) -> str:
    try:
        number = phonenumbers.parse(value, default_region)
    except phonenumbers.NumberParseException as exc:
        raise IdentifierError(f"invalid phone number: {exc}") from None
    if not (phonenumbers.is_possible_number(number) and phonenumbers.is_valid_number(number)):
        raise IdentifierError("invalid phone number: not a valid number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise(
    type: str,
    value: str,
    default_region: str | None,
    mailboxes: Mailboxes = NO_MAILBOX_RULES,
) -> str:
    """Return the canonical spelling of ``value`` for ``type``, or raise IdentifierError.

    E-mails are lower-cased and spelled as their provider's mailbox rule says (``mailboxes``),
    phones become E.164 (a national number read in ``default_region``), everything else is
    only trimmed: ids are case-sensitive in the systems that mint them.
    """
    validate_type(type)
    if not isinstance(value, str):
        raise IdentifierError(f"{type}: value must be a string")
    stripped = value.strip()
    if not stripped:
        raise IdentifierError(f"{type}: empty value")
    if len(stripped) > MAX_VALUE_LENGTH:
        raise IdentifierError(f"{type}: value longer than {MAX_VALUE_LENGTH} characters")
    if type == EMAIL:
        return _normalise_email(stripped, mailboxes)
    if type == PHONE:
        return _normalise_phone(stripped, default_region)
    return stripped


@dataclass(frozen=True, order=True)
class RawIdentifier:
    """An identifier as a tracker sent it, before any cleaning."""

    type: str
    value: str


@dataclass(frozen=True, order=True)
class NormalisedIdentifier:
    """An identifier in canonical form: the only form that may be hashed."""

    type: str
    value: str

    @classmethod
    def from_raw(cls, raw: RawIdentifier, default_region: str | None) -> NormalisedIdentifier:
        """Normalise ``raw``; raises IdentifierError like :func:`normalise`."""
        return cls(raw.type, normalise(raw.type, raw.value, default_region))


@dataclass(frozen=True)
class BlockList:
    """Placeholder values that must never become identifiers.

    Patterns match the whole value, case-insensitively; exact values are compared in lower
    case after normalisation (so ``Test@Test.com`` is caught as ``test@test.com``).
    """

    patterns: tuple[re.Pattern[str], ...]
    values: frozenset[str]

    @classmethod
    def build(cls, patterns: Iterable[str], values: Iterable[str]) -> BlockList:
        """Compile ``patterns`` (re.error on a bad one) and lower-case ``values``."""
        compiled = tuple(re.compile(p, re.IGNORECASE) for p in patterns)
        return cls(compiled, frozenset(v.strip().lower() for v in values))

    @classmethod
    def from_rules(cls, rules: IdentityRules) -> BlockList:
        """The block list configured in ``rules``."""
        return cls.build(rules.blocked_patterns, rules.blocked_values)

    @classmethod
    def default(cls) -> BlockList:
        """The built-in list, for callers without configuration."""
        return cls.build(DEFAULT_BLOCKED_PATTERNS, DEFAULT_BLOCKED_VALUES)

    def matches_pattern(self, value: str) -> bool:
        """True if ``value`` (trimmed) fully matches one of the patterns."""
        stripped = value.strip()
        return any(p.fullmatch(stripped) for p in self.patterns)

    def is_blocked(self, ident: NormalisedIdentifier, raw: str | None = None) -> bool:
        """True if the identifier is a placeholder.

        ``raw`` is the value as sent: normalisation can hide a placeholder (a phone written
        ``000-000``), so the raw trimmed value is checked against the patterns too.
        """
        if self.matches_pattern(ident.value) or ident.value.lower() in self.values:
            return True
        return raw is not None and self.matches_pattern(raw)
