"""The model's design, which training fills with numbers: the blocking rules, and per field the
similarity and the levels a comparison can reach. Training measures m and u of every level and
chooses the threshold; this module says what there is to measure."""

from __future__ import annotations

from app.services.identity.linkage.config import (
    BlockingRule,
    Comparison,
    FieldGroup,
    Level,
)

#: Candidate pairs: the union of these rules (config/linkage.yaml explains each).
BLOCKING = (
    BlockingRule(("last_name_phonetic", "birth_year")),
    BlockingRule(("birthday",)),
    BlockingRule(("last_name_phonetic", "first_name_initial", "postal_code")),
    BlockingRule(("address",)),
    BlockingRule(("phone",)),
    BlockingRule(("full_name",), window=5),
)

#: Field -> (similarity, term frequency, levels), in verdict order. A level is (name, test):
#: None for the named tests (exact, nickname, swapped, different), a number for a similarity
#: at least that, a key for agreement on that key.
LEVELS: dict[str, tuple[str | None, bool, tuple[tuple[str, float | str | None], ...]]] = {
    "first_name": (
        "jarowinkler",
        True,
        (
            ("exact", None),
            ("nickname", None),
            ("similar", 0.92),
            ("roughly", 0.8),
            ("swapped", None),
            ("same_initial", "first_name_initial"),
            ("different", None),
        ),
    ),
    "last_name": (
        "jarowinkler",
        True,
        (
            ("exact", None),
            ("similar", 0.92),
            ("roughly", 0.8),
            ("swapped", None),
            ("different", None),
        ),
    ),
    "birthday": (
        "damerau_levenshtein",
        False,
        (
            ("exact", None),
            ("swapped", None),
            ("one_digit", 0.87),
            ("same_day_and_month", "birth_month_day"),
            ("same_year", "birth_year"),
            ("different", None),
        ),
    ),
    "address": (
        "jarowinkler",
        False,
        (("exact", None), ("similar", 0.9), ("roughly", 0.75), ("different", None)),
    ),
    "city": (
        "jarowinkler",
        True,
        (("exact", None), ("similar", 0.88), ("different", None)),
    ),
    "postal_code": (
        "damerau_levenshtein",
        False,
        (("exact", None), ("one_digit", 0.79), ("different", None)),
    ),
    "state": (None, False, (("exact", None), ("different", None))),
    "phone": (
        "damerau_levenshtein",
        False,
        (("exact", None), ("one_digit", 0.88), ("different", None)),
    ),
}

#: Fields a household shares: a surname and an address. Twins, a parent and a child, a
#: couple agree on all of them at once, and a person who moves changes them all at once:
#: they tell one fact, and count once. A phone number counts on its own (most are mobiles).
GROUPS = (FieldGroup("household", ("last_name", "address", "city", "postal_code", "state")),)


def comparisons(
    m: dict[str, tuple[float, ...]] | None = None, u: dict[str, tuple[float, ...]] | None = None
) -> tuple[Comparison, ...]:
    """The comparisons of the design, with m and u per level (0.5 until measured)."""
    built = []
    for field, (similarity, term_frequency, levels) in LEVELS.items():
        ms = m[field] if m else (0.5,) * len(levels)
        us = u[field] if u else (0.5,) * len(levels)
        built.append(
            Comparison(
                field,
                tuple(
                    Level(
                        name,
                        m_level,
                        u_level,
                        at_least=test if isinstance(test, float) else None,
                        agree_on=test if isinstance(test, str) else None,
                    )
                    for (name, test), m_level, u_level in zip(levels, ms, us, strict=True)
                ),
                similarity,
                term_frequency,
            )
        )
    return tuple(built)
