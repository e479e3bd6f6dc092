"""How a value is spelled where it comes from: mailbox rules per e-mail provider, and the
country a phone number written without its country code was written in.

Gmail delivers ``j.doe+news@googlemail.com`` to ``jdoe@gmail.com``; Outlook delivers
``jane+shop@outlook.com`` to ``jane@outlook.com``. Left alone, each spelling would be a node of
its own and one person several profiles. A provider's rule says which domain it really is
(googlemail.com is gmail.com; gmial.com is gmail.com mistyped), whether dots in the local part
count, and which character starts a tag. An internationalised domain is written in Unicode
(``müller.de``), whether it came so or in its ASCII form (``xn--mller-kva.de``).

``07700 900123`` is a number only in the country it was dialled in: the event says which, by
the trait ``country`` the person gave or by the browser's ``context.locale``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import phonenumbers


@dataclass(frozen=True)
class Mailbox:
    """One provider's mailbox rule."""

    #: The provider's main domain when this one is another name for it (googlemail.com).
    same_as: str | None = None
    #: Dots in the local part are ignored (``j.doe`` is ``jdoe``).
    ignore_dots: bool = False
    #: The rest of the local part after this character is a tag (``jane+news`` is ``jane``).
    tag_separator: str | None = None


#: Providers whose mailboxes ignore dots or tags, as their help pages document.
DEFAULT_MAILBOXES: Mapping[str, Mailbox] = MappingProxyType(
    {
        "gmail.com": Mailbox(ignore_dots=True, tag_separator="+"),
        "googlemail.com": Mailbox(same_as="gmail.com"),
        "outlook.com": Mailbox(tag_separator="+"),
        "hotmail.com": Mailbox(tag_separator="+"),
        "live.com": Mailbox(tag_separator="+"),
        "icloud.com": Mailbox(tag_separator="+"),
        "me.com": Mailbox(tag_separator="+"),
        "fastmail.com": Mailbox(tag_separator="+"),
        "proton.me": Mailbox(tag_separator="+"),
        "protonmail.com": Mailbox(tag_separator="+"),
        # Providers people mistype: an address at one of these is the one they meant.
        "gmial.com": Mailbox(same_as="gmail.com"),
        "gmai.com": Mailbox(same_as="gmail.com"),
        "gamil.com": Mailbox(same_as="gmail.com"),
        "gmail.co": Mailbox(same_as="gmail.com"),
        "hotmial.com": Mailbox(same_as="hotmail.com"),
        "hotmail.co": Mailbox(same_as="hotmail.com"),
        "outlok.com": Mailbox(same_as="outlook.com"),
        "yaho.com": Mailbox(same_as="yahoo.com"),
    }
)


def unicode_domain(domain: str) -> str:
    """``domain`` with its ASCII-encoded labels (``xn--...``) decoded and IDNA's mapping
    applied (``MÜLLER.de`` and ``xn--mller-kva.de`` are ``müller.de``); unchanged when it is
    not a valid internationalised name."""
    if domain.isascii() and "xn--" not in domain:
        return domain
    try:
        return domain.encode("idna").decode("idna")
    except UnicodeError:
        return domain


@dataclass(frozen=True)
class Mailboxes:
    """The mailbox rules in force, by domain (lower case). Hashable, so normalisation that
    depends on it can be cached."""

    rules: tuple[tuple[str, Mailbox], ...]
    #: Internationalised domains written in Unicode (off only for the plain, older spelling).
    unicode_domains: bool = True
    _by_domain: Mapping[str, Mailbox] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_domain", MappingProxyType(dict(self.rules)))

    @classmethod
    def of(cls, by_domain: Mapping[str, Mailbox]) -> Mailboxes:
        return cls(tuple(sorted(by_domain.items())))

    def canonical(self, local: str, domain: str) -> tuple[str, str]:
        """The mailbox ``local@domain`` (both already lower case) really is. A rule that
        would leave nothing of the local part leaves it as it was."""
        if self.unicode_domains:
            domain = unicode_domain(domain)
        by_domain = self._by_domain
        rule = by_domain.get(domain)
        if rule is not None and rule.same_as:
            domain = rule.same_as
            rule = by_domain.get(domain, rule)
        if rule is None:
            return local, domain
        mailbox = local
        if rule.tag_separator:
            mailbox = mailbox.split(rule.tag_separator, 1)[0]
        if rule.ignore_dots:
            mailbox = mailbox.replace(".", "")
        return (mailbox or local), domain


#: Case and spaces only: the spelling before mailbox rules.
NO_MAILBOX_RULES = Mailboxes((), unicode_domains=False)

# --- the country of a phone number -------------------------------------------------------

#: Where an event can say its country, in the order they are believed.
REGION_SOURCES: tuple[str, ...] = ("country", "locale")
#: Country names people write that are not the ISO 3166 code.
_COUNTRY_ALIASES = {"UK": "GB"}
_LOCALE_RE = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z]{4})?[-_]([A-Za-z]{2})(?:[-_.@].*)?")


def region_code(text: Any) -> str | None:
    """An ISO 3166 code phone numbers are known for, from ``text`` (``gb``, ``UK``), or None."""
    if not isinstance(text, str):
        return None
    code = text.strip().upper()
    code = _COUNTRY_ALIASES.get(code, code)
    return code if code in phonenumbers.SUPPORTED_REGIONS else None


def locale_region(locale: Any) -> str | None:
    """The country part of a locale (``en-GB``, ``de_DE.UTF-8``, ``zh-Hant-TW``), or None."""
    if not isinstance(locale, str):
        return None
    found = _LOCALE_RE.fullmatch(locale.strip())
    return region_code(found.group(1)) if found else None


def _country_of(traits: Mapping[str, Any]) -> str | None:
    address = traits.get("address")
    for candidate in (
        traits.get("country"),
        address.get("country") if isinstance(address, Mapping) else None,
    ):
        code = region_code(candidate)
        if code:
            return code
    return None


def event_region(
    traits: Mapping[str, Any],
    context: Mapping[str, Any],
    sources: Iterable[str],
    default: str | None,
) -> str | None:
    """The country the event's national phone numbers are read in: the first of ``sources``
    that names one (``country``: the trait ``country`` or ``address.country`` of the message
    or of ``context.traits``; ``locale``: ``context.locale``), else ``default``."""
    context_traits = context.get("traits")
    for source in sources:
        if source == "country":
            found = _country_of(traits) or (
                _country_of(context_traits) if isinstance(context_traits, Mapping) else None
            )
        else:
            found = locale_region(context.get("locale"))
        if found:
            return found
    return default
