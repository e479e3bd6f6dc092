"""This package's own canonical form of an identifier: when two spellings are one mailbox, one
phone line or one id. Written apart from the platform's normaliser on purpose: the truth must
not inherit the platform's mistakes.

E-mail: case and surrounding spaces never matter; at the providers that ignore them, dots in
the local part (Gmail) and `+tags` (Gmail, Outlook, iCloud, Fastmail, Proton) do not either; a
domain mistyped by the person (gmial.com) is the provider they meant; an internationalised
domain is one domain whether written in Unicode or in its ASCII (punycode) form.
Phone: the digits, with a national number (a leading trunk 0, or ten digits in the US) read in
the country the message says (`context.locale`, the trait `country`). Ids: trimmed; case kept.
"""

from __future__ import annotations

import contextlib
import re

#: Providers whose mailboxes ignore dots in the local part.
IGNORES_DOTS = frozenset({"gmail.com", "googlemail.com"})
#: Providers that deliver `local+tag@` to `local@`.
IGNORES_TAGS = frozenset(
    {"gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "icloud.com", "me.com",
     "fastmail.com", "proton.me", "protonmail.com"}
)  # fmt: skip
ALIASES = {"googlemail.com": "gmail.com"}
#: Domains people mistype, and the provider they meant.
TYPOS = {
    "gmial.com": "gmail.com",
    "gmai.com": "gmail.com",
    "gamil.com": "gmail.com",
    "gmail.co": "gmail.com",
    "hotmial.com": "hotmail.com",
    "hotmail.co": "hotmail.com",
    "yaho.com": "yahoo.com",
    "outlok.com": "outlook.com",
}
#: Country calling codes and trunk prefixes of the countries the scenarios use.
COUNTRIES = {"US": ("1", ""), "GB": ("44", "0"), "DE": ("49", "0"), "FR": ("33", "0")}
_NON_DIGITS = re.compile(r"\D")


def email(raw: str) -> str:
    value = raw.strip().lower()
    local, at, domain = value.rpartition("@")
    if not at:
        return value
    domain = _unicode_domain(domain)
    domain = TYPOS.get(domain, domain)
    domain = ALIASES.get(domain, domain)
    if domain in IGNORES_TAGS:
        local = local.split("+", 1)[0]
    if domain in IGNORES_DOTS:
        local = local.replace(".", "")
    return f"{local}@{domain}"


def _unicode_domain(domain: str) -> str:
    """The domain with every punycode label (xn--...) decoded."""
    labels = []
    for label in domain.split("."):
        if label.startswith("xn--"):
            with contextlib.suppress(UnicodeError):
                label = label[4:].encode("ascii").decode("punycode")
        labels.append(label)
    return ".".join(labels)


def phone(raw: str, country: str | None) -> str:
    """+<digits>; a national number only with the country it was written in."""
    text = raw.strip()
    digits = _NON_DIGITS.sub("", text)
    if text.startswith("+"):
        return "+" + digits
    if text.startswith("00"):
        return "+" + digits[2:]
    if country in COUNTRIES:
        code, trunk = COUNTRIES[country]
        if trunk and digits.startswith(trunk):
            digits = digits[len(trunk) :]
        if code == "1" and len(digits) == 11 and digits.startswith("1"):
            digits = digits[1:]
        return f"+{code}{digits}"
    return digits  # no country known: not the same as any international spelling


def canonical(type_: str, raw: str, country: str | None = None) -> str:
    if type_ == "email":
        return email(raw)
    if type_ == "phone":
        return phone(raw, country)
    return raw.strip()
