"""How people and forms garble what they type: typos (a neighbouring key, a letter dropped,
doubled or two letters swapped), capitals, abbreviations, phone numbers in another format."""

from __future__ import annotations

import random

from bench.linkage.vocabulary import STREET_TYPES

_KEYBOARD = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


def _neighbours(letter: str) -> str:
    for row_number, row in enumerate(_KEYBOARD):
        column = row.find(letter)
        if column < 0:
            continue
        near = row[max(column - 1, 0) : column] + row[column + 1 : column + 2]
        for other in (row_number - 1, row_number + 1):
            if 0 <= other < len(_KEYBOARD):
                near += _KEYBOARD[other][max(column - 1, 0) : column + 1]
        return near
    return "aeiou"


def typo(text: str, rng: random.Random) -> str:
    """One typing mistake, somewhere after the first letter (people get that one right more
    often than not)."""
    if len(text) < 3:
        return text
    i = rng.randrange(1, len(text))
    kind = rng.choice(("substitute", "drop", "double", "swap"))
    letter = text[i]
    if kind == "substitute" and letter.isalpha():
        return text[:i] + rng.choice(_neighbours(letter.lower())) + text[i + 1 :]
    if kind == "drop":
        return text[:i] + text[i + 1 :]
    if kind == "double":
        return text[:i] + letter + text[i:]
    if i + 1 < len(text):
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    return text[:i] + text[i - 1] if i > 0 else text


def digit_typo(digits: str, rng: random.Random) -> str:
    """One digit mistyped, or two neighbouring digits swapped."""
    i = rng.randrange(len(digits))
    if rng.random() < 0.5 and i + 1 < len(digits):
        return digits[:i] + digits[i + 1] + digits[i] + digits[i + 2 :]
    return digits[:i] + str((int(digits[i]) + rng.choice((1, 9))) % 10) + digits[i + 1 :]


def casing(text: str, rng: random.Random) -> str:
    """As a form stores it: mostly Title Case, sometimes lower or UPPER case."""
    roll = rng.random()
    if roll < 0.75:
        return text.title()
    if roll < 0.9:
        return text.lower()
    return text.upper()


def street_type(full: str, rng: random.Random, abbreviate: float) -> str:
    """A street type, abbreviated with probability `abbreviate` when it has abbreviations."""
    short = next(abbreviations for word, abbreviations in STREET_TYPES if word == full)
    return rng.choice(short) if short and rng.random() < abbreviate else full


def phone_format(digits: str, rng: random.Random) -> str:
    """A ten-digit number as people write it."""
    area, exchange, line = digits[:3], digits[3:6], digits[6:]
    return rng.choice(
        (
            f"({area}) {exchange}-{line}",
            f"{area}-{exchange}-{line}",
            f"+1 {area} {exchange} {line}",
            f"+1{digits}",
            digits,
            f"{area}.{exchange}.{line}",
            f"1-{area}-{exchange}-{line}",
        )
    )
