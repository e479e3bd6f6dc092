"""A profile's traits as the scorer compares them: cleaned, comparable values by field.

`record_of` reads a golden record (trait name -> value, as the platform stores it) and keeps
what can be compared: names lower-cased without accents or punctuation, a full name split when
first and last names are absent, a birthday as `YYYYMMDD`, street abbreviations written out,
a phone number's last nine digits. Values live only in memory: a record's repr names its
fields, never their values.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from types import MappingProxyType

#: The fields the scorer compares, in the order verdicts are given.
FIELDS = (
    "first_name",
    "last_name",
    "birthday",
    "address",
    "city",
    "postal_code",
    "state",
    "phone",
)
#: A record needs two of these to be worth comparing: a full name, or a name and a birthday.
#: The traits `record_of` reads: the fields, and a full `name` split when the parts are absent.
TRAITS_READ = (*FIELDS, "name")
IDENTITY_FIELDS = ("first_name", "last_name", "birthday")
MIN_IDENTITY_FIELDS = 2
#: The digits of a phone number that are compared: enough to tell numbers apart, few enough
#: to ignore a country code or a trunk prefix (+1 415..., 0415...).
PHONE_DIGITS = 9
MIN_PHONE_DIGITS = 7

_TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "madam"})
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "junior", "senior"})
_STREET_WORDS = {
    "st": "street",
    "str": "street",
    "rd": "road",
    "ave": "avenue",
    "av": "avenue",
    "blvd": "boulevard",
    "dr": "drive",
    "ln": "lane",
    "ct": "court",
    "pl": "place",
    "cres": "crescent",
    "cr": "crescent",
    "hwy": "highway",
    "pde": "parade",
    "tce": "terrace",
    "ter": "terrace",
    "cct": "circuit",
    "cir": "circle",
    "sq": "square",
    "pkwy": "parkway",
    "apt": "apartment",
    "ste": "suite",
    "fl": "floor",
    "n": "north",
    "s": "south",
    "e": "east",
    "w": "west",
    "ne": "northeast",
    "nw": "northwest",
    "se": "southeast",
    "sw": "southwest",
}
_PLACE_WORDS = {"st": "saint", "ste": "sainte", "mt": "mount", "ft": "fort", "pt": "point"}
_DATE_RE = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})(?:[T ](\d{2}):?(\d{2}))?")
#: Anything but a letter or digit of any script (Иван, Łukasz and Straße keep theirs).
_NOT_WORD = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class LinkageRecord:
    """One profile as the scorer sees it: its id and its comparable values by field name
    (names of `FIELDS`). The repr names the fields present, never their values."""

    id: str
    fields: Mapping[str, str] = field(repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "fields", MappingProxyType(dict(self.fields)))

    def __repr__(self) -> str:
        return f"LinkageRecord(id={self.id!r}, fields={sorted(self.fields)!r})"


def record_of(id: str, traits: Mapping[str, object]) -> LinkageRecord | None:
    """The comparable record of a profile's golden record, or None when it holds too little
    to compare (fewer than two of first name, last name and birthday)."""
    first, last = _names(traits)
    values = {
        "first_name": first,
        "last_name": last,
        "birthday": birthday(traits.get("birthday")),
        "address": address(traits.get("address")),
        "city": place(traits.get("city")),
        "postal_code": postal_code(traits.get("postal_code")),
        "state": place(traits.get("state")),
        "phone": phone(traits.get("phone")),
    }
    kept = {name: value for name, value in values.items() if value}
    if sum(name in kept for name in IDENTITY_FIELDS) < MIN_IDENTITY_FIELDS:
        return None
    return LinkageRecord(id, kept)


def _words(value: object) -> list[str]:
    """Case folded, accents and punctuation gone (an apostrophe joins: O'Brien -> obrien);
    letters of every script kept."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return []
    plain = unicodedata.normalize("NFKD", value)
    plain = "".join(c for c in plain if not unicodedata.combining(c)).casefold()
    plain = plain.replace("'", "").replace("\u2019", "")
    return _NOT_WORD.sub(" ", plain).split()


def name(value: object) -> str:
    """A first or last name: words without titles or generational suffixes."""
    words = [w for w in _words(value) if w not in _TITLES and w not in _SUFFIXES]
    return " ".join(words)


def _names(traits: Mapping[str, object]) -> tuple[str, str]:
    first, last = name(traits.get("first_name")), name(traits.get("last_name"))
    if first and last:
        return first, last
    full = traits.get("name")
    if not isinstance(full, str):
        return first, last
    if "," in full:  # "Doe, Jane"
        family, _, given = full.partition(",")
        split_first, split_last = name(given).split(" ")[0], name(family)
    else:  # "Jane Q. Smith-Jones": a hyphen or an apostrophe binds, a space separates
        words = [cleaned for word in full.split() if (cleaned := name(word))]
        split_first = words[0] if words else ""
        split_last = words[-1] if len(words) > 1 else ""
    return first or split_first, last or split_last


def birthday(value: object) -> str:
    """`YYYYMMDD` from an ISO date or timestamp (or `YYYYMMDD`), or "" when unreadable.

    A timestamp stored in UTC from a local midnight east or west of Greenwich lands on the
    evening before or the morning of: times from noon round up to the next day. Eight digits
    that are no calendar date are kept as they are: a mistyped digit still compares."""
    if isinstance(value, datetime):
        return _day(value.astimezone(UTC) if value.tzinfo else value).strftime("%Y%m%d")
    if isinstance(value, date):
        return value.strftime("%Y%m%d")
    if not isinstance(value, str):
        return ""
    found = _DATE_RE.match(value.strip())
    if not found:
        return ""
    year, month, day, hour, _minute = found.groups()
    digits = f"{year}{month}{day}"
    try:
        parsed = datetime(int(year), int(month), int(day))
    except ValueError:
        return digits
    if hour is not None and int(hour) >= 12:
        parsed += timedelta(days=1)
    return parsed.strftime("%Y%m%d")


def _day(moment: datetime) -> date:
    return (moment + timedelta(hours=12)).date() if moment.hour >= 12 else moment.date()


def address(value: object) -> str:
    """A street line with its abbreviations written out (St -> street, unless it starts the
    street's name: "12 St James St" -> "12 saint james street")."""
    words = _words(value)
    out = []
    for i, word in enumerate(words):
        starts_name = i == 0 or words[i - 1].isdigit()
        if word == "st" and starts_name and i + 1 < len(words) and words[i + 1].isalpha():
            out.append("saint")
        else:
            out.append(_STREET_WORDS.get(word, word))
    return " ".join(out)


def place(value: object) -> str:
    """A city or state: words, with St, Mt, Ft written out."""
    return " ".join(_PLACE_WORDS.get(w, w) for w in _words(value))


def postal_code(value: object) -> str:
    """Letters and digits only; a US ZIP+4 keeps its five digits."""
    code = "".join(_words(value))
    return code[:5] if code.isdigit() and len(code) == 9 else code


def phone(value: object) -> str:
    """The last `PHONE_DIGITS` digits, or "" for fewer than `MIN_PHONE_DIGITS` digits."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return ""
    digits = "".join(c for c in value if c.isdigit())
    return digits[-PHONE_DIGITS:] if len(digits) >= MIN_PHONE_DIGITS else ""
