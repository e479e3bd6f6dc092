"""The people of a generated population and where they live: given names and surnames with a
long tail of rare and made-up ones, homes in cities, phone numbers, birthdays, households (alone,
couples, families, twins, a son named after his father) and strangers sharing a name.

This module imports nothing of the platform.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from bench.linkage.vocabulary import (
    CITIES,
    COMPOUND_SURNAMES,
    FEMALE_NAMES,
    MALE_NAMES,
    STREET_TYPES,
    STREETS,
    SURNAMES,
    SYLLABLES,
)

#: Share of people with a made-up rare surname or given name (the long tail).
RARE_SURNAME, RARE_GIVEN_NAME = 0.25, 0.08


@dataclass(frozen=True)
class Home:
    number: int
    street: str
    street_type: str
    unit: str
    city: int  # index into CITIES
    zip_suffix: str

    @property
    def postal_code(self) -> str:
        return CITIES[self.city][3] + self.zip_suffix


@dataclass(frozen=True)
class Person:
    id: int
    first_name: str
    last_name: str
    male: bool
    birthday: date
    home: Home
    mobile: str
    landline: str | None
    household: int
    #: `twin`, `junior` (named after a parent), `namesake` (a stranger's name), or "".
    relation: str = ""
    related_to: int | None = None


def _weighted(items: list[str] | tuple[str, ...], rng: random.Random, offset: float) -> str:
    """An item drawn with weight 1 / (rank + offset): a few very common, a long tail."""
    weights = [1.0 / (rank + offset) for rank in range(len(items))]
    return rng.choices(items, weights)[0]


@dataclass
class World:
    """Draws people, homes and households from one random stream, numbering them as it goes."""

    rng: random.Random
    ids: Iterator[int] = field(default_factory=itertools.count)
    households: Iterator[int] = field(default_factory=itertools.count)

    def surname(self) -> str:
        roll = self.rng.random()
        if roll < RARE_SURNAME:
            return self._made_up(2, 3)
        if roll < RARE_SURNAME + 0.01:
            return self.rng.choice(COMPOUND_SURNAMES)
        return _weighted(SURNAMES, self.rng, 8.0)

    def given(self, male: bool) -> str:
        if self.rng.random() < RARE_GIVEN_NAME:
            return self._made_up(2, 2)
        return _weighted(MALE_NAMES if male else FEMALE_NAMES, self.rng, 6.0)

    def _made_up(self, low: int, high: int) -> str:
        return "".join(self.rng.choice(SYLLABLES) for _ in range(self.rng.randint(low, high)))

    def home(self, city: int | None = None) -> Home:
        rng = self.rng
        if city is None:
            city = rng.choices(range(len(CITIES)), [1 / (r + 2) for r in range(len(CITIES))])[0]
        unit = f"Apt {rng.randint(1, 30)}{rng.choice('ABCD')}" if rng.random() < 0.2 else ""
        return Home(
            number=rng.choice((rng.randint(1, 200), rng.randint(1, 9999))),
            street=rng.choice(STREETS),
            street_type=rng.choice(STREET_TYPES)[0],
            unit=unit,
            city=city,
            zip_suffix=f"{rng.randint(1, 40):02d}",
        )

    def phone(self, city: int) -> str:
        return f"{CITIES[city][4]}{self.rng.randint(200, 999)}{self.rng.randint(0, 9999):04d}"

    def birthday(self, low: int = 1935, high: int = 2006) -> date:
        start = date(low, 1, 1)
        return start + timedelta(days=self.rng.randrange((date(high, 12, 31) - start).days))

    def person(self, household: int, home: Home, landline: str | None, **given: object) -> Person:
        male = bool(given.pop("male", self.rng.random() < 0.5))
        fields: dict[str, object] = {
            "first_name": self.given(male),
            "last_name": self.surname(),
            "birthday": self.birthday(),
        }
        fields.update(given)
        return Person(
            id=next(self.ids),
            male=male,
            home=home,
            mobile=self.phone(home.city),
            landline=landline,
            household=household,
            **fields,  # type: ignore[arg-type]
        )

    def household(self) -> list[Person]:
        rng, number, home = self.rng, next(self.households), self.home()
        landline = self.phone(home.city) if rng.random() < 0.3 else None
        roll = rng.random()
        first = self.person(number, home, landline)
        if roll < 0.45:
            return [first]
        partner = self.person(
            number,
            home,
            landline,
            male=not first.male,
            last_name=first.last_name if rng.random() < 0.6 else self.surname(),
            birthday=first.birthday + timedelta(days=rng.randint(-3000, 3000)),
        )
        if roll < 0.72 or min(first.birthday, partner.birthday).year > 1980:
            return [first, partner]
        return [first, partner, *self._children(number, home, landline, first, partner)]

    def _children(
        self, number: int, home: Home, landline: str | None, first: Person, partner: Person
    ) -> list[Person]:
        rng = self.rng
        older = min(first.birthday, partner.birthday).year
        born = self.birthday(older + 20, min(older + 40, 2006))
        child = self.person(number, home, landline, last_name=first.last_name, birthday=born)
        found = [child]
        roll = rng.random()
        father = first if first.male else partner
        if roll < 0.12:  # twins, never given one first name
            male = rng.random() < 0.5
            given = self.given(male)
            while given == child.first_name:
                given = self.given(male)
            found.append(
                self.person(
                    number,
                    home,
                    landline,
                    male=male,
                    first_name=given,
                    last_name=first.last_name,
                    birthday=born,
                    relation="twin",
                    related_to=child.id,
                )
            )
        elif roll < 0.22 and father.birthday.year <= 1980:  # a son named after his father
            found.append(
                self.person(
                    number,
                    home,
                    landline,
                    male=True,
                    first_name=father.first_name,
                    last_name=father.last_name,
                    birthday=self.birthday(
                        father.birthday.year + 20, min(father.birthday.year + 40, 2006)
                    ),
                    relation="junior",
                    related_to=father.id,
                )
            )
        elif roll < 0.5:  # a sibling
            found.append(
                self.person(
                    number,
                    home,
                    landline,
                    last_name=first.last_name,
                    birthday=self.birthday(
                        max(born.year - 6, older + 18), min(born.year + 6, 2006)
                    ),
                )
            )
        return found

    def namesake(self, person: Person) -> Person:
        """A stranger with `person`'s name in `person`'s city."""
        home = self.home(person.home.city)
        return self.person(
            next(self.households),
            home,
            None,
            male=person.male,
            first_name=person.first_name,
            last_name=person.last_name,
            relation="namesake",
            related_to=person.id,
        )
