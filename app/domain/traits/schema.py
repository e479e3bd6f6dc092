"""The trait schema: one frozen value saying, per profile field, its type, its privacy class and
how its golden value is chosen.

It is a plain value (no globals, no I/O) for the same reason as the identity rules: survivorship
is then a function of the observations and the configuration alone, and the API can validate an
edited schema with :meth:`TraitSchema.from_mapping` before anything is stored.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal, cast, get_args

FieldType = Literal["string", "number", "boolean", "timestamp", "list"]
PiiClass = Literal["personal", "plain"]
Strategy = Literal[
    "highest_weight", "most_recent", "source_priority", "most_frequent", "first_seen", "union"
]
Undeclared = Literal["drop", "plain", "reject"]

FIELD_TYPES: tuple[FieldType, ...] = get_args(FieldType)
PII_CLASSES: tuple[PiiClass, ...] = get_args(PiiClass)
STRATEGIES: tuple[Strategy, ...] = get_args(Strategy)
UNDECLARED_POLICIES: tuple[Undeclared, ...] = get_args(Undeclared)
MANUAL = "manual"
MAX_STRING_LENGTH = 4096
MAX_LIST_ITEMS = 1000
#: Field names become property-key suffixes in the graph (``trait_<name>``): keep them boring.
NAME_RE = re.compile(r"[a-z][a-z0-9_]{0,63}")
_SOURCE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}")
_CAMEL_RE = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


class TraitError(ValueError):
    """A schema or a trait value that cannot be used; names the key, never a trait's value."""


def _frozen(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(value))


def _choice(key: str, value: Any, allowed: tuple[str, ...]) -> Any:
    if value not in allowed:
        raise TraitError(f"{key}: expected one of {', '.join(allowed)}, got {value!r}")
    return value


def _match(key: str, value: Any, pattern: re.Pattern[str], what: str) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise TraitError(f"{key}: invalid {what} {value!r} (expected {pattern.pattern})")
    return value


def _name(key: str, value: Any) -> str:
    return _match(key, value, NAME_RE, "name")


def _source(key: str, value: Any) -> str:
    return _match(key, value, _SOURCE_RE, "source")


def _positive(key: str, value: Any, at_most_one: bool) -> float:
    """Trusts are in (0, 1], so a product of trusts, confidences and decays stays comparable."""
    top = 1.0 if at_most_one else math.inf
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TraitError(f"{key}: expected a number, got {value!r}")
    if not (math.isfinite(value) and 0 < value <= top):
        raise TraitError(f"{key}: expected a number in (0, {top}], got {value!r}")
    return float(value)


def _unit(key: str, value: Any) -> float:
    return _positive(key, value, at_most_one=True)


def _days(key: str, value: Any) -> float:
    return _positive(key, value, at_most_one=False)


def _trusts(key: str, value: Any) -> dict[str, float]:
    if not isinstance(value, Mapping):
        raise TraitError(f"{key}: expected a mapping of source to trust, got {value!r}")
    return {_source(key, s): _unit(f"{key}.{s}", t) for s, t in value.items()}


def _sources(key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise TraitError(f"{key}: expected a list of sources, got {value!r}")
    items = tuple(_source(key, s) for s in value)
    if len(set(items)) != len(items):
        raise TraitError(f"{key}: duplicate source")
    return items


def _hash_items(obj: Any) -> int:
    # mappingproxy is unhashable; hash sorted items so a schema can key a cache.
    values = (getattr(obj, f.name) for f in dataclasses.fields(obj))
    return hash(tuple(tuple(sorted(v.items())) if isinstance(v, Mapping) else v for v in values))


@dataclass(frozen=True)
class TraitField:
    """One declared profile field. ``half_life_days`` None means the schema's half-life."""

    name: str
    type: FieldType
    pii: PiiClass
    strategy: Strategy = "highest_weight"
    #: Trust per source for this field only, e.g. the CRM is right about ``plan``.
    trust_overrides: Mapping[str, float] = field(default_factory=dict)
    #: Best first; only for ``source_priority`` (sources not listed rank after, by trust).
    source_priority: tuple[str, ...] = ()
    half_life_days: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "trust_overrides", _frozen(self.trust_overrides))
        object.__setattr__(self, "source_priority", tuple(self.source_priority))
        key = f"fields.{self.name}"
        _name("fields", self.name)
        _choice(f"{key}.type", self.type, FIELD_TYPES)
        _choice(f"{key}.pii", self.pii, PII_CLASSES)
        _choice(f"{key}.strategy", self.strategy, STRATEGIES)
        _trusts(f"{key}.trust_overrides", self.trust_overrides)
        _sources(f"{key}.source_priority", self.source_priority)
        if self.half_life_days is not None:
            object.__setattr__(self, "half_life_days", _days(key, self.half_life_days))
        if (self.type == "list") != (self.strategy == "union"):
            raise TraitError(f"{key}.strategy: list fields use union, and only they can")
        if self.type == "list" and self.pii == "personal":
            # A union needs each item's value; a sealed personal list only has a keyed hash.
            raise TraitError(f"{key}.pii: list fields must be plain")
        if self.source_priority and self.strategy != "source_priority":
            raise TraitError(f"{key}.source_priority: only used by strategy source_priority")

    def __hash__(self) -> int:
        return _hash_items(self)

    @classmethod
    def from_mapping(cls, name: str, data: Any) -> TraitField:
        """One ``fields`` entry; ``type`` and ``pii`` are required (no silent privacy default)."""
        key = f"fields.{name}"
        if not isinstance(data, Mapping):
            raise TraitError(f"{key}: expected a mapping, got {data!r}")
        unknown = sorted(str(k) for k in data if k not in _FIELD_KEYS)
        if unknown:
            raise TraitError(f"{key}: unknown key(s) {', '.join(unknown)}")
        for required in ("type", "pii"):
            if required not in data:
                raise TraitError(f"{key}.{required}: missing")
        type_ = _choice(f"{key}.type", data["type"], FIELD_TYPES)
        return cls(
            name=_name("fields", name),
            type=type_,
            pii=_choice(f"{key}.pii", data["pii"], PII_CLASSES),
            strategy=_choice(
                f"{key}.strategy",
                data.get("strategy", "union" if type_ == "list" else "highest_weight"),
                STRATEGIES,
            ),
            trust_overrides=_trusts(f"{key}.trust_overrides", data.get("trust_overrides", {})),
            source_priority=_sources(f"{key}.source_priority", data.get("source_priority", [])),
            half_life_days=(
                None if data.get("half_life_days") is None else _days(key, data["half_life_days"])
            ),
        )

    def to_mapping(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "pii": self.pii,
            "strategy": self.strategy,
            "trust_overrides": dict(self.trust_overrides),
            "source_priority": list(self.source_priority),
            "half_life_days": self.half_life_days,
        }


_FIELD_KEYS = frozenset(
    ("type", "pii", "strategy", "trust_overrides", "source_priority", "half_life_days")
)


@dataclass(frozen=True)
class TrackMapping:
    """A track event property copied into a trait, e.g. ``Plan Upgraded``.``plan`` -> plan."""

    event: str
    property: str
    field: str

    def __post_init__(self) -> None:
        for key in ("event", "property"):
            value = getattr(self, key)
            if not isinstance(value, str) or not value.strip() or len(value) > 200:
                raise TraitError(f"track_mappings.{key}: expected a string, got {value!r}")
        _name("track_mappings.field", self.field)


def _s(name: str, type_: FieldType, pii: PiiClass, strategy: Strategy) -> TraitField:
    return TraitField(name, type_, pii, strategy)


#: Segment's reserved traits, snake_cased (``firstName`` arrives as ``first_name``).
DEFAULT_TRAITS: tuple[TraitField, ...] = (
    _s("email", "string", "personal", "most_recent"),
    _s("phone", "string", "personal", "most_recent"),
    _s("first_name", "string", "personal", "highest_weight"),
    _s("last_name", "string", "personal", "highest_weight"),
    _s("name", "string", "personal", "highest_weight"),
    # Segment sends address as an object; a dict for a string field is a TraitError, so the
    # app flattens it (or declares address_city ...) before it gets here.
    _s("address", "string", "personal", "highest_weight"),
    _s("birthday", "timestamp", "personal", "highest_weight"),
    TraitField("plan", "string", "plain", "source_priority", source_priority=(MANUAL,)),
    _s("company", "string", "plain", "highest_weight"),
    _s("title", "string", "plain", "highest_weight"),
    _s("country", "string", "plain", "highest_weight"),
    _s("timezone", "string", "plain", "most_recent"),
    _s("city", "string", "personal", "highest_weight"),
    # Segment's address.postalCode and address.state, flat: what record linkage blocks on.
    _s("postal_code", "string", "personal", "highest_weight"),
    _s("state", "string", "plain", "highest_weight"),
    _s("age", "number", "personal", "highest_weight"),
    _s("created_at", "timestamp", "plain", "first_seen"),
    _s("tags", "list", "plain", "union"),
    _s("lifetime_value", "number", "plain", "most_recent"),
)
DEFAULT_SOURCE_TRUST: Mapping[str, float] = MappingProxyType({MANUAL: 1.0})


@dataclass(frozen=True)
class TraitSchema:
    """All declared fields plus the policies that apply to every field.

    ``undeclared`` defaults to ``drop``: an undeclared trait may well be personal (``ssn``,
    ``mothers_maiden_name``), and accepting it as plain would store and index it unencrypted.
    The raw event, traits included, is kept sealed either way.
    """

    fields: tuple[TraitField, ...] = DEFAULT_TRAITS
    undeclared: Undeclared = "drop"
    default_trust: float = 0.5
    #: A source absent here has ``default_trust``, except ``manual`` which has 1.0 unless it is
    #: listed: replacing this table must not silently demote a person's own edits.
    source_trust: Mapping[str, float] = field(default_factory=lambda: DEFAULT_SOURCE_TRUST)
    half_life_days: float = 180.0
    track_mappings: tuple[TrackMapping, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "fields", tuple(self.fields))
        object.__setattr__(self, "source_trust", _frozen(self.source_trust))
        object.__setattr__(self, "track_mappings", tuple(self.track_mappings))
        names = [f.name for f in self.fields]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise TraitError(f"fields: duplicate field(s) {', '.join(dupes)}")
        object.__setattr__(self, "_by_name", MappingProxyType({f.name: f for f in self.fields}))
        _choice("undeclared", self.undeclared, UNDECLARED_POLICIES)
        object.__setattr__(self, "default_trust", _unit("default_trust", self.default_trust))
        _trusts("source_trust", self.source_trust)
        object.__setattr__(self, "half_life_days", _days("half_life_days", self.half_life_days))
        pairs = [(m.event, m.property) for m in self.track_mappings]
        if len(set(pairs)) != len(pairs):
            raise TraitError("track_mappings: duplicate event and property")
        for m in self.track_mappings:
            if m.field not in self._fields_by_name:
                raise TraitError(f"track_mappings.field: undeclared field {m.field!r}")

    @property
    def _fields_by_name(self) -> Mapping[str, TraitField]:
        return cast(Mapping[str, TraitField], self.__dict__["_by_name"])

    def __hash__(self) -> int:
        return _hash_items(self)

    def classify(self, name: str) -> TraitField | None:
        """The declared field for a raw trait key (``firstName`` finds ``first_name``)."""
        normal = normalise_name(name)
        return None if normal is None else self._fields_by_name.get(normal)

    def decide_undeclared(self, name: str, value: Any = None) -> TraitField | None:
        """Apply the undeclared policy: a plain field made up on the spot (its type guessed
        from ``value``), None to drop, or TraitError to reject the trait."""
        normal = normalise_name(name)
        if self.undeclared == "drop":
            return None
        if normal is None:
            # An arbitrary key may itself carry data: say what is wrong, not what it was.
            raise TraitError(f"trait key is not a valid name (expected {NAME_RE.pattern})")
        if self.undeclared == "reject":
            raise TraitError(f"{normal}: trait is not declared (undeclared: reject)")
        type_ = _guess_type(normal, value)
        return TraitField(normal, type_, "plain", "union" if type_ == "list" else "highest_weight")

    def trust(self, field: TraitField, source: str) -> float:
        """trust(source) for ``field``: its override, the schema's table, then the default."""
        if source in field.trust_overrides:
            return field.trust_overrides[source]
        if source in self.source_trust:
            return self.source_trust[source]
        return 1.0 if source == MANUAL else self.default_trust

    def half_life(self, field: TraitField) -> float:
        return self.half_life_days if field.half_life_days is None else field.half_life_days

    def mappings_for(self, event: str) -> tuple[TrackMapping, ...]:
        return tuple(m for m in self.track_mappings if m.event == event)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> TraitSchema:
        """Build a schema from configuration data (YAML/JSON shaped).

        Absent keys keep their defaults; a present key replaces the whole default (a ``fields``
        table is the complete list of fields). Unknown keys are errors, so a typo cannot
        silently leave a default in force.
        """
        if not isinstance(data, Mapping):
            raise TraitError("trait schema: expected a mapping")
        unknown = sorted(str(k) for k in data if k not in _PARSERS)
        if unknown:
            raise TraitError(f"trait schema: unknown key(s) {', '.join(unknown)}")
        return cls(**{key: _PARSERS[key](key, value) for key, value in data.items()})

    def to_mapping(self) -> dict[str, Any]:
        """Plain data that :meth:`from_mapping` turns back into an equal schema."""
        return {
            "fields": {f.name: f.to_mapping() for f in self.fields},
            "undeclared": self.undeclared,
            "default_trust": self.default_trust,
            "source_trust": dict(self.source_trust),
            "half_life_days": self.half_life_days,
            "track_mappings": [
                {"event": m.event, "property": m.property, "field": m.field}
                for m in self.track_mappings
            ],
        }


def _parse_fields(key: str, value: Any) -> tuple[TraitField, ...]:
    if not isinstance(value, Mapping):
        raise TraitError(f"{key}: expected a mapping of field name to field, got {value!r}")
    return tuple(TraitField.from_mapping(name, spec) for name, spec in value.items())


def _parse_mappings(key: str, value: Any) -> tuple[TrackMapping, ...]:
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise TraitError(f"{key}: expected a list, got {value!r}")
    out = []
    for item in value:
        if not isinstance(item, Mapping) or set(item) != {"event", "property", "field"}:
            raise TraitError(f"{key}: expected keys event, property, field, got {item!r}")
        out.append(TrackMapping(item["event"], item["property"], item["field"]))
    return tuple(out)


_PARSERS: dict[str, Callable[[str, Any], Any]] = {
    "fields": _parse_fields,
    "undeclared": lambda k, v: _choice(k, v, UNDECLARED_POLICIES),
    "default_trust": _unit,
    "source_trust": _trusts,
    "half_life_days": _days,
    "track_mappings": _parse_mappings,
}


def normalise_name(raw: str) -> str | None:
    """Snake-case a raw trait key (Segment's ``firstName``, ``createdAt``); None if unusable."""
    if not isinstance(raw, str):
        return None
    name = re.sub(r"[\s.\-]+", "_", _CAMEL_RE.sub("_", raw.strip())).lower()
    return name if NAME_RE.fullmatch(name) else None


def _guess_type(name: str, value: Any) -> FieldType:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, list | tuple | set | frozenset):
        return "list"
    if value is None or isinstance(value, str):
        return "string"
    raise TraitError(f"{name}: undeclared trait of unsupported type {type(value).__name__}")
