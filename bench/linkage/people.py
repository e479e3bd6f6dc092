"""A generated population with its human truth, for training and testing the linkage scorer.

People live in households: alone, as couples (often one surname), as families whose grown
children share the surname and the address, sometimes twins (one surname, one birthday, one
address, two first names) or a son named after his father (one name, one address, two
birthdays). Some people share a common name with a stranger in their city. Each person leaves
one record, and some leave more, with what real sign-ups carry: typos, nicknames, missing
fields, day and month swapped, abbreviations, a move to a new address, a phone number written
another way, a full name in one field. Every record carries the id of the person who left it.

This module imports nothing of the platform: the truth is who made the record.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from bench.linkage import noise
from bench.linkage.vocabulary import (
    CITIES,
    COMPOUND_SURNAMES,
    FEMALE_NAMES,
    MALE_NAMES,
    NICKNAMES,
    STREET_TYPES,
    STREETS,
    SURNAMES,
    SYLLABLES,
)

#: How many extra records a person leaves, and how often (no extra record most of the time).
EXTRA_RECORDS = ((0, 0.62), (1, 0.26), (2, 0.09), (3, 0.03))
#: Share of people with a made-up rare surname or given name (the long tail).
RARE_SURNAME, RARE_GIVEN_NAME = 0.25, 0.08
#: Share of people who are a stranger sharing a name with someone in their city.
NAMESAKES = 0.04


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


@dataclass(frozen=True)
class GeneratedRecord:
    """A record as the platform would hold it: a profile id and its traits."""

    id: str
    person: int
    traits: dict[str, object]


@dataclass(frozen=True)
class Population:
    people: dict[int, Person]
    records: list[GeneratedRecord]

    def true_pairs(self) -> set[tuple[str, str]]:
        """Pairs of record ids (smaller first) of one person."""
        by_person: dict[int, list[str]] = {}
        for record in self.records:
            by_person.setdefault(record.person, []).append(record.id)
        return {
            (min(a, b), max(a, b))
            for ids in by_person.values()
            for a, b in itertools.combinations(ids, 2)
        }

    def relation(self, a: int, b: int) -> str:
        """Why two different people may look alike: `twins`, `parent_child`, `namesakes`
        (one name, one city), `household`, or `strangers`."""
        p, q = self.people[a], self.people[b]
        if {p.related_to, q.related_to} & {p.id, q.id}:
            kind = p.relation if p.related_to == q.id else q.relation
            return {"twin": "twins", "junior": "parent_child", "namesake": "namesakes"}[kind]
        if p.household == q.household:
            return "household"
        if (p.first_name, p.last_name, p.home.city) == (q.first_name, q.last_name, q.home.city):
            return "namesakes"
        return "strangers"


def generate(people: int, seed: int) -> Population:
    """About `people` people (households are filled whole) and their records, shuffled."""
    rng = random.Random(seed)
    world = _World(rng)
    persons: dict[int, Person] = {}
    while len(persons) < people:
        for person in world.household():
            persons[person.id] = person
    for person in list(persons.values()):
        if rng.random() < NAMESAKES:
            stranger = world.namesake(person)
            persons[stranger.id] = stranger
    records = [record for person in persons.values() for record in _records(person, world, rng)]
    rng.shuffle(records)
    numbered = [replace(r, id=f"r{seed}-{i:06d}") for i, r in enumerate(records)]
    return Population(persons, numbered)


def _weighted(items: list[str] | tuple[str, ...], rng: random.Random, offset: float) -> str:
    """An item drawn with weight 1 / (rank + offset): a few very common, a long tail."""
    weights = [1.0 / (rank + offset) for rank in range(len(items))]
    return rng.choices(items, weights)[0]


@dataclass
class _World:
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


def _records(person: Person, world: _World, rng: random.Random) -> Iterator[GeneratedRecord]:
    extra = rng.choices([n for n, _ in EXTRA_RECORDS], [w for _, w in EXTRA_RECORDS])[0]
    yield GeneratedRecord("", person.id, _traits(person, rng, noisy=False))
    new_home = world.home()
    mobile = person.mobile if rng.random() < 0.6 else world.phone(new_home.city)
    moved = replace(person, home=new_home, mobile=mobile, landline=None)
    for _ in range(extra):
        lives = moved if rng.random() < 0.15 else person
        yield GeneratedRecord("", person.id, _traits(lives, rng, noisy=True))


def _traits(person: Person, rng: random.Random, noisy: bool) -> dict[str, object]:
    """The traits of one record: a clean sign-up (missing fields aside), or a noisy one."""

    def chance(p: float) -> bool:
        return noisy and rng.random() < p

    def kept(p_missing: float) -> bool:
        return rng.random() >= (p_missing if noisy else p_missing / 3)

    traits: dict[str, object] = {}
    first, last = _first_name(person, rng, noisy), person.last_name
    if chance(0.09):
        last = noise.typo(last, rng)
    if chance(0.02) and not person.male:  # married since
        last = rng.choice(SURNAMES)
    if chance(0.02):  # written the other way round
        first, last = last, first
    if rng.random() < 0.1:
        traits["name"] = noise.casing(
            f"{last}, {first}" if rng.random() < 0.3 else f"{first} {last}", rng
        )
    else:
        if kept(0.05):
            traits["first_name"] = noise.casing(first, rng)
        if kept(0.03):
            traits["last_name"] = noise.casing(last, rng)
    if kept(0.1):
        traits["birthday"] = _birthday(person.birthday, rng, noisy)
    _address(traits, person, rng, noisy)
    if kept(0.3):
        digits = person.landline if person.landline and rng.random() < 0.3 else person.mobile
        if chance(0.03):
            digits = noise.digit_typo(digits, rng)
        traits["phone"] = noise.phone_format(digits, rng)
    return traits


def _first_name(person: Person, rng: random.Random, noisy: bool) -> str:
    name = person.first_name
    short = NICKNAMES.get(name, ())
    roll = rng.random()
    if short and roll < (0.15 if noisy else 0.05):
        return rng.choice(short)
    if not noisy:
        return name
    if roll > 0.97:  # an initial only
        return name[0]
    if roll > 0.96:  # the middle name they go by
        return rng.choice(MALE_NAMES if person.male else FEMALE_NAMES)
    if roll > 0.87:
        return noise.typo(name, rng)
    return name


def _birthday(born: date, rng: random.Random, noisy: bool) -> str:
    text = born.isoformat()
    if noisy and born.day <= 12 and rng.random() < 0.04:  # day and month swapped
        text = f"{born.year:04d}-{born.day:02d}-{born.month:02d}"
    elif noisy and rng.random() < 0.08:
        text = _wrong_birthday(born, rng)
    return text + ("T00:00:00Z" if rng.random() < 0.5 else "")


def _wrong_birthday(born: date, rng: random.Random) -> str:
    """A mistyped digit in the day or the year, two digits of the year swapped, January 1st
    of the right year (a form's default), or a made-up date (a privacy-minded customer)."""
    kind = rng.choice(("digit", "digit", "year_swap", "first_of_january", "made_up"))
    digits = born.strftime("%Y%m%d")
    if kind == "digit":
        i = rng.choice((2, 3, 6, 7))
        digits = digits[:i] + str((int(digits[i]) + rng.randint(1, 9)) % 10) + digits[i + 1 :]
    elif kind == "year_swap":
        digits = digits[:2] + digits[3] + digits[2] + digits[4:]
    elif kind == "first_of_january":
        digits = digits[:4] + "0101"
    else:
        digits = date(rng.randint(1950, 2000), rng.randint(1, 12), rng.randint(1, 28)).strftime(
            "%Y%m%d"
        )
    return f"{digits[:4]}-{digits[4:6]}-{digits[6:]}"


def _address(traits: dict[str, object], person: Person, rng: random.Random, noisy: bool) -> None:
    home = person.home
    city, state, state_name, _zip, _area = CITIES[home.city]

    def kept(p_missing: float) -> bool:
        return rng.random() >= (p_missing if noisy else p_missing / 3)

    if kept(0.12):
        kind = noise.street_type(home.street_type, rng, abbreviate=0.5)
        line = f"{home.number} {home.street} {kind}"
        if home.unit and rng.random() < 0.6:
            line += f", {home.unit}" if rng.random() < 0.5 else f" #{home.unit[4:]}"
        if noisy and rng.random() < 0.06:
            line = noise.typo(line, rng)
        traits["address"] = noise.casing(line, rng)
    if kept(0.08):
        name = city
        if name.startswith(("Saint ", "Mount ", "Fort ")) and rng.random() < 0.5:
            name = {"Saint": "St.", "Mount": "Mt", "Fort": "Ft."}[name.split()[0]] + name[
                name.index(" ") :
            ]
        traits["city"] = noise.casing(
            noise.typo(name, rng) if noisy and rng.random() < 0.04 else name, rng
        )
    if kept(0.1):
        code = home.postal_code
        traits["postal_code"] = (
            noise.digit_typo(code, rng) if noisy and rng.random() < 0.03 else code
        )
    if kept(0.15):
        traits["state"] = state if rng.random() < 0.8 else state_name
