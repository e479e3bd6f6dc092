"""Survivorship: choose each profile field's golden value from its observations, with provenance.

Everything here is a pure function of the observation set and the schema. Decay is measured
from the newest observation of the field, not from a clock, so re-deciding the same set later,
on another machine or after a replay gives the same record; and every aggregate (max, min, sum)
is order-free, so arrival order and how rows were pre-aggregated cannot change the outcome.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import reduce
from typing import Any, NamedTuple

from app.domain.traits.schema import (
    MANUAL,
    Strategy,
    TraitError,
    TraitField,
    TraitSchema,
)
from app.domain.traits.values import canonical_json, coerce

SECONDS_PER_DAY = 86_400.0


def _text(key: str, value: Any) -> None:
    if not isinstance(value, str) or not value:
        raise TraitError(f"observation.{key}: expected a non-empty string")


@dataclass(frozen=True)
class Observation:
    """All sightings of one value of one field from one source on one identifier.

    ``value_id`` is a keyed hash for personal values and :func:`canonical_json` for plain ones,
    so equal values have equal ids and a sealed personal value (``value`` None) can still be
    counted, weighed and chosen; the app decrypts only the winner. ``at`` is the last sighting,
    ``first_at`` the first, ``event_id`` the event of the last sighting.
    """

    field: str
    value_id: str
    value: Any | None
    source: str
    at: float
    confidence: float
    count: int
    first_at: float
    identifier: str
    observation_id: str
    event_id: str = ""

    def __post_init__(self) -> None:
        for key in ("field", "value_id", "source", "identifier", "observation_id"):
            _text(key, getattr(self, key))
        if not isinstance(self.event_id, str):
            raise TraitError("observation.event_id: expected a string")
        conf = self.confidence
        if isinstance(conf, bool) or not isinstance(conf, int | float) or not 0 < conf <= 1:
            raise TraitError("observation.confidence: expected a number in (0, 1]")
        if isinstance(self.count, bool) or not isinstance(self.count, int) or self.count < 1:
            raise TraitError("observation.count: expected an integer >= 1")
        for key in ("at", "first_at"):
            moment = getattr(self, key)
            if isinstance(moment, bool) or not isinstance(moment, int | float):
                raise TraitError(f"observation.{key}: expected seconds since the epoch")
            if not math.isfinite(moment):
                raise TraitError(f"observation.{key}: expected a finite time")
        if self.first_at > self.at:
            raise TraitError("observation.first_at: later than at")

    @property
    def key(self) -> tuple[str, str, str, str]:
        """What one aggregated row stands for: a value of a field, from a source, on an id."""
        return (self.field, self.identifier, self.source, self.value_id)

    def merge(self, other: Observation) -> Observation:
        """Combine two rows of one key; commutative and associative, so any batching of the
        sightings gives the same row. Confidence is the highest ever given (decay already
        accounts for staleness); ``observation_id`` the smallest, so apps should derive it
        from :attr:`key` (a hash), which makes it the same anyway."""
        if other.key != self.key:
            raise TraitError("observation.merge: rows of different keys")
        last = max(self, other, key=lambda o: (o.at, o.event_id))
        values = [o.value for o in (self, other) if o.value is not None]
        return Observation(
            field=self.field,
            value_id=self.value_id,
            value=min(values, key=_sort_text) if values else None,
            source=self.source,
            at=last.at,
            confidence=max(self.confidence, other.confidence),
            count=self.count + other.count,
            first_at=min(self.first_at, other.first_at),
            identifier=self.identifier,
            observation_id=min(self.observation_id, other.observation_id),
            event_id=last.event_id,
        )


def _sort_text(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=repr)


def aggregate(observations: Iterable[Observation]) -> tuple[Observation, ...]:
    """One row per key, in key order: sightings and partial aggregates alike fold into it."""
    groups: dict[tuple[str, str, str, str], list[Observation]] = defaultdict(list)
    for obs in observations:
        groups[obs.key].append(obs)
    return tuple(reduce(Observation.merge, groups[k]) for k in sorted(groups))


@dataclass(frozen=True)
class Candidate:
    """One distinct value (or, for a union, one item) and the evidence behind it.

    ``weight`` is the best weight of its observations (agreement between sources shows in
    ``count``, used by most_frequent, not in an inflated weight: ten copies of one import are
    not ten witnesses). ``source`` is the source that earned its rank under the strategy.
    ``trust``, ``bond`` and ``decay`` are the factors of the heaviest observation, the one
    whose weight (with its confidence) is ``weight``.
    """

    value_id: str
    value: Any | None
    source: str
    at: float
    first_at: float
    weight: float
    count: int
    observation_ids: tuple[str, ...]
    trust: float = 1.0
    bond: float = 1.0
    decay: float = 1.0


@dataclass(frozen=True)
class Decision:
    """The golden value of a field, how it was chosen, and the candidates it beat.

    ``candidates`` are ranked best first; the winner is the first of them, except for a union,
    whose winner is the union of all items and whose candidates are the items themselves.
    """

    field: str
    winner: Candidate
    candidates: tuple[Candidate, ...]
    strategy: Strategy


class Weight(NamedTuple):
    """An observation's weight, ``value`` = trust x confidence x bond x decay (multiplied in
    that order, so a bond of 1.0 changes no bit of it), and its factors. (A tuple: one is
    made per observation of every decided field, on the ingestion path.)"""

    value: float
    trust: float
    bond: float
    decay: float


def _weight(trust: float, confidence: float, bond: float, decay: float) -> Weight:
    return Weight(trust * confidence * bond * decay, trust, bond, decay)


_Weighed = tuple[Observation, Weight]


def _source_rank(field: TraitField, schema: TraitSchema, source: str) -> tuple[int, float]:
    """Listed sources in their order, then the others by trust."""
    if source in field.source_priority:
        return (0, float(field.source_priority.index(source)))
    return (1, -schema.trust(field, source))


def _row_key(field: TraitField, schema: TraitSchema) -> Callable[[_Weighed], tuple[Any, ...]]:
    """Which observation speaks for a candidate: the one that best fits the strategy."""
    strategy = field.strategy

    def key(item: _Weighed) -> tuple[Any, ...]:
        row, weight = item
        tail = (-weight.value, -row.at, row.source, row.observation_id)
        if strategy == "most_recent":
            return (-row.at, *tail)
        if strategy == "first_seen":
            return (row.first_at, *tail)
        if strategy == "source_priority":
            return (_source_rank(field, schema, row.source), *tail)
        return tail

    return key


def _candidate(value_id: str, items: list[_Weighed], best: _Weighed, value: Any) -> Candidate:
    heaviest = min(items, key=lambda item: (-item[1].value, item[0].observation_id))[1]
    return Candidate(
        value_id=value_id,
        value=value,
        source=best[0].source,
        at=max(row.at for row, _ in items),
        first_at=min(row.first_at for row, _ in items),
        weight=heaviest.value,
        count=sum(row.count for row, _ in items),
        observation_ids=tuple(sorted({row.observation_id for row, _ in items})),
        trust=heaviest.trust,
        bond=heaviest.bond,
        decay=heaviest.decay,
    )


def _group_value(items: list[_Weighed]) -> Any:
    values = [row.value for row, _ in items if row.value is not None]
    return min(values, key=_sort_text) if values else None


def _rank_key(field: TraitField, schema: TraitSchema) -> Callable[[Candidate], tuple[Any, ...]]:
    """Strategy first, then always weight desc, time desc, value id asc: a total order."""

    def key(c: Candidate) -> tuple[Any, ...]:
        tail = (-c.weight, -c.at, c.value_id)
        match field.strategy:
            case "most_recent":
                return (-c.at, *tail)
            case "first_seen":
                return (c.first_at, *tail)
            case "most_frequent":
                return (-c.count, *tail)
            case "source_priority":
                return (_source_rank(field, schema, c.source), *tail)
            case _:
                return tail

    return key


def decide(
    field: TraitField,
    observations: Iterable[Observation],
    schema: TraitSchema,
    bonds: Mapping[str, float] | None = None,
) -> Decision | None:
    """The golden value of ``field`` from the observations of it (others are ignored);
    None when there are none.

    weight = trust(source) x confidence x bond x 0.5 ** (age_days / half_life), where age is
    the time from this row's last sighting to the newest sighting of the field in the set, and
    bond how strongly the row's identifier is bound to the profile (``bonds``, by identifier;
    see app.domain.identity.bonds): 1.0 for an identifier it does not name, when no bonds are
    given, and for the ``manual`` source (a person set the value on the profile itself).
    """
    rows = aggregate(o for o in observations if o.field == field.name)
    if not rows:
        return None
    newest = max(row.at for row in rows)
    half_life = schema.half_life(field)
    known = bonds or {}
    weighed = [
        (
            row,
            _weight(
                schema.trust(field, row.source),
                row.confidence,
                1.0 if row.source == MANUAL else known.get(row.identifier, 1.0),
                0.5 ** ((newest - row.at) / SECONDS_PER_DAY / half_life),
            ),
        )
        for row in rows
    ]
    if field.strategy == "union":
        return _union(field, schema, weighed)
    row_key = _row_key(field, schema)
    groups: dict[str, list[_Weighed]] = defaultdict(list)
    for item in weighed:
        groups[item[0].value_id].append(item)
    candidates = sorted(
        (
            _candidate(vid, items, min(items, key=row_key), _group_value(items))
            for vid, items in groups.items()
        ),
        key=_rank_key(field, schema),
    )
    return Decision(field.name, candidates[0], tuple(candidates), field.strategy)


def _union(field: TraitField, schema: TraitSchema, weighed: list[_Weighed]) -> Decision:
    """Every item any observation listed; each item is a candidate that nobody beats."""
    by_item: dict[str, list[_Weighed]] = defaultdict(list)
    values: dict[str, Any] = {}
    for row, weight in weighed:
        if row.value is None:
            raise TraitError(f"{field.name}: a union needs the values of its observations")
        for item in coerce(field, row.value):
            item_id = canonical_json(item)
            by_item[item_id].append((row, weight))
            values[item_id] = item
    row_key = _row_key(field, schema)
    items = sorted(
        (_candidate(i, rows, min(rows, key=row_key), values[i]) for i, rows in by_item.items()),
        key=lambda c: (-c.weight, -c.at, c.value_id),
    )
    union = coerce(field, list(values.values()))
    winner = _candidate(canonical_json(union), weighed, min(weighed, key=row_key), union)
    return Decision(field.name, winner, tuple(items), field.strategy)


def golden_record(
    schema: TraitSchema,
    observations: Iterable[Observation],
    bonds: Mapping[str, float] | None = None,
) -> dict[str, Decision]:
    """A decision per observed field, by field name (``bonds`` as :func:`decide` takes them).

    Fields no longer declared follow the undeclared policy as it is now: ``plain`` decides them
    as plain fields (a union when every known value is a list), ``drop`` and ``reject`` leave
    them out (they were accepted under an older schema; they are not part of this one).
    Observation field names are expected in :func:`normalise_name` form; others are skipped.
    """
    by_field: dict[str, list[Observation]] = defaultdict(list)
    for obs in observations:
        by_field[obs.field].append(obs)
    record: dict[str, Decision] = {}
    for name in sorted(by_field):
        rows = by_field[name]
        field = schema.classify(name)
        if field is None and schema.undeclared == "plain":
            known = [o.value for o in rows if o.value is not None]
            lists = bool(known) and all(isinstance(v, list | tuple) for v in known)
            try:
                field = schema.decide_undeclared(name, () if lists else None)
            except TraitError:
                continue
        if field is not None and field.name == name:
            decision = decide(field, rows, schema, bonds)
            if decision is not None:
                record[name] = decision
    return record
