"""A generated population with its human truth, for training and testing the linkage scorer.

People live in households: alone, as couples (often one surname), as families whose grown
children share the surname and the address, sometimes twins (one surname, one birthday, one
address, two first names) or a son named after his father (one name, one address, two
birthdays). Some people share a common name with a stranger in their city. Each person leaves
one record, and some leave more, with what real sign-ups carry: typos, nicknames, missing
fields, day and month swapped, abbreviations, a move to a new address, a phone number written
another way, a full name in one field. Every record carries the id of the person who left it.

The people and their households are drawn in world.py, the records they leave here.
This module imports nothing of the platform: the truth is who made the record.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date

from bench.linkage import noise
from bench.linkage.vocabulary import CITIES, FEMALE_NAMES, MALE_NAMES, NICKNAMES, SURNAMES
from bench.linkage.world import Person, World

#: How many extra records a person leaves, and how often (no extra record most of the time).
EXTRA_RECORDS = ((0, 0.62), (1, 0.26), (2, 0.09), (3, 0.03))
#: Share of people who are a stranger sharing a name with someone in their city.
NAMESAKES = 0.04


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
    world = World(rng)
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


def _records(person: Person, world: World, rng: random.Random) -> Iterator[GeneratedRecord]:
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
