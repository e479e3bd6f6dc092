"""A segment condition compiled for the stores: what each test asks, already checked and in
the form the store keeps (trait names from the schema, values coerced, purposes resolved with
their defaults, windows in whole days).

The stores evaluate these with three-valued logic, as Cypher does: a comparison with a trait
the profile lacks is unknown, `not` keeps it unknown, `all` is false as soon as one part is,
`any` true as soon as one part is, and only a condition met (true) makes a member.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TraitTest:
    """A plain trait compared with a value: `op` is one of eq, neq, gt, gte, lt, lte, in (value
    a list), contains (the trait a list), exists, missing (no value)."""

    trait: str
    op: str
    value: Any = None


@dataclass(frozen=True)
class IdentifierTest:
    """The profile has an identifier of a type."""

    type: str


@dataclass(frozen=True)
class EventTest:
    """The profile's events of a name number from `min_count` to `max_count` (None: no upper
    bound); with `days`, only those since local midnight `days - 1` days ago, in the profile's
    time zone (the plain trait `timezone`, when it names a known zone) or UTC."""

    name: str
    min_count: int
    max_count: int | None
    days: int | None


@dataclass(frozen=True)
class ConsentTest:
    """The profile may be used for a purpose now: the latest decision across its identifiers
    grants it and has not expired (a tie in time is a denial); with none, `default`."""

    purpose: str
    default: bool


@dataclass(frozen=True)
class TagTest:
    """A journey put a tag on the profile."""

    tag: str


@dataclass(frozen=True)
class MemberTest:
    """The profile is a member of another segment of the workspace."""

    segment: str


@dataclass(frozen=True)
class AllTests:
    items: tuple[Predicate, ...]


@dataclass(frozen=True)
class AnyTests:
    items: tuple[Predicate, ...]


@dataclass(frozen=True)
class NotTest:
    item: Predicate


Predicate = (
    TraitTest
    | IdentifierTest
    | EventTest
    | ConsentTest
    | TagTest
    | MemberTest
    | AllTests
    | AnyTests
    | NotTest
)
