"""The scorer's parameters (config/linkage.yaml) as one frozen value, checked key by key.

Errors name the key that is wrong (`comparisons.first_name.levels[2].m: ...`); the values in
this file are parameters, never personal data.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from app.errors import ConfigurationError
from app.services.identity.linkage.records import FIELDS

#: String similarities recordlinkage computes (its `String(method=...)`).
SIMILARITIES = ("jarowinkler", "jaro", "levenshtein", "damerau_levenshtein", "qgram", "cosine")
#: Levels tested by something else than a similarity: equal values, first names sharing a
#: nickname group, a birthday with day and month swapped or first and last names swapped;
#: `different` is everything else.
EXACT, NICKNAME, SWAPPED = "exact", "nickname", "swapped"
DIFFERENT, MISSING = "different", "missing"
_SPECIAL_LEVELS = {
    NICKNAME: ("first_name",),
    SWAPPED: ("birthday", "first_name", "last_name"),
}
#: Keys a blocking rule may use: the fields, and keys derived from them (frames.py).
DERIVED_KEYS = (
    "first_name_initial",
    "last_name_initial",
    "first_name_phonetic",
    "last_name_phonetic",
    "birth_year",
    "birth_month_day",
    "full_name",
)
BLOCKING_KEYS = FIELDS + DERIVED_KEYS
_LEVEL_NAME = re.compile(r"[a-z][a-z_]{0,31}")


class LinkageConfigError(ValueError):
    """A parameter of config/linkage.yaml that cannot be used; names its key."""


@dataclass(frozen=True)
class Level:
    """One outcome of comparing a field: its test, and how often true pairs (m) and pairs of
    different people (u) reach it, given both values are present."""

    name: str
    m: float
    u: float
    at_least: float | None = None  # a similarity level: similarity >= at_least
    agree_on: str | None = None  # a level of records agreeing on a key (birth_year...)

    @property
    def weight(self) -> float:
        """The match weight of the level, log2(m/u)."""
        return math.log2(self.m / self.u)


@dataclass(frozen=True)
class Comparison:
    """How one field is compared: the first level a pair reaches is its level."""

    field: str
    levels: tuple[Level, ...]
    similarity: str | None = None
    term_frequency: bool = False


@dataclass(frozen=True)
class BlockingRule:
    """Pairs proposed for scoring: records agreeing on every key of `on`, or, with `window`,
    records whose first key is among the `window` nearest in sorted order."""

    on: tuple[str, ...]
    window: int | None = None


@dataclass(frozen=True)
class Prior:
    """How likely a random pair is to match before any field is compared: each record has
    `matches_per_record` other records of its person among the population's records, counted
    as at least `min_population` (a handful of records given is a sample of many more)."""

    matches_per_record: float
    min_population: int


@dataclass(frozen=True)
class UEstimation:
    """u re-estimated on the records being scored, from random pairs, when there are enough."""

    min_records: int
    sample_pairs: int
    min_pairs_per_level: int
    seed: int


@dataclass(frozen=True)
class TermFrequency:
    """Exact agreement on a rare value weighs more than on a common one: u of that value is
    its frequency among the records scored (at least `minimum_u`)."""

    min_records: int
    minimum_u: float


@dataclass(frozen=True)
class FieldGroup:
    """Fields that tell one fact (what a household shares: a surname, an address): together
    they add the weight of their strongest member, not the sum of their weights."""

    name: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class LinkageConfig:
    """Everything the scorer needs: which pairs to compare, how, what each outcome weighs,
    and the probability from which a pair is suggested."""

    threshold: float
    prior: Prior
    comparisons: tuple[Comparison, ...]
    blocking: tuple[BlockingRule, ...]
    max_block_size: int
    u_estimation: UEstimation
    term_frequency: TermFrequency
    groups: tuple[FieldGroup, ...] = ()


#: The file format this parser reads (the `version` key; a file without one is of this one).
VERSION = 1
#: The values of the optional keys when a file leaves them out: those training writes.
DEFAULT_MIN_POPULATION = 1000
DEFAULT_MAX_BLOCK_SIZE = 500
DEFAULT_U_ESTIMATION = UEstimation(
    min_records=1000, sample_pairs=100_000, min_pairs_per_level=20, seed=1
)
DEFAULT_TERM_FREQUENCY = TermFrequency(min_records=1000, minimum_u=0.0001)


def load_config(path: Path) -> LinkageConfig:
    """The scorer's parameters from a YAML file; a ConfigurationError naming the file and the
    key otherwise."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigurationError(f"{path}: cannot be read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"{path}: not YAML ({exc})") from None
    try:
        return parse_config(raw)
    except LinkageConfigError as exc:
        raise ConfigurationError(f"{path}: {exc}") from None


def parse_config(raw: Any) -> LinkageConfig:
    top = _mapping("", raw)
    _known(
        "",
        top,
        required={"threshold", "prior", "blocking", "comparisons"},
        optional={"u_estimation", "term_frequency", "groups", "version"},
    )
    _version(top.get("version", VERSION))
    blocking = _mapping("blocking", top["blocking"])
    _known("blocking", blocking, required={"rules"}, optional={"max_block_size"})
    comparisons = _mapping("comparisons", top["comparisons"])
    if not comparisons:
        raise LinkageConfigError("comparisons: expected at least one field")
    parsed = tuple(_comparison(str(f), spec) for f, spec in comparisons.items())
    return LinkageConfig(
        threshold=_number("threshold", top["threshold"], low=0.0, high=1.0, open_high=True),
        prior=_prior(top["prior"]),
        comparisons=parsed,
        blocking=_rules(blocking["rules"]),
        max_block_size=_count(
            "blocking.max_block_size", blocking.get("max_block_size", DEFAULT_MAX_BLOCK_SIZE)
        ),
        u_estimation=_u_estimation(top.get("u_estimation", {})),
        term_frequency=_term_frequency(top.get("term_frequency", {})),
        groups=_groups(top.get("groups", {}), {c.field for c in parsed}),
    )


def _version(value: Any) -> None:
    """A file of another format (a later one, or a mistyped number) is refused, not guessed."""
    if type(value) is not int or value != VERSION:
        raise LinkageConfigError(f"version: expected {VERSION}, got {value!r}")


def _groups(raw: Any, compared: set[str]) -> tuple[FieldGroup, ...]:
    spec = _mapping("groups", raw)
    seen: set[str] = set()
    found = []
    for name, fields in spec.items():
        key = f"groups.{name}"
        if not isinstance(fields, list) or len(fields) < 2:
            raise LinkageConfigError(f"{key}: expected a list of at least two fields")
        for field in fields:
            if field not in compared:
                raise LinkageConfigError(f"{key}: {field!r} is not a compared field")
            if field in seen:
                raise LinkageConfigError(f"{key}: {field} is in another group already")
            seen.add(field)
        found.append(FieldGroup(str(name), tuple(fields)))
    return tuple(found)


def _comparison(field: str, raw: Any) -> Comparison:
    key = f"comparisons.{field}"
    if field not in FIELDS:
        raise LinkageConfigError(f"{key}: unknown field (expected one of {', '.join(FIELDS)})")
    spec = _mapping(key, raw)
    _known(key, spec, required={"levels"}, optional={"similarity", "term_frequency"})
    similarity = spec.get("similarity")
    if similarity is not None and similarity not in SIMILARITIES:
        raise LinkageConfigError(
            f"{key}.similarity: expected one of {', '.join(SIMILARITIES)}, got {similarity!r}"
        )
    raw_levels = spec["levels"]
    if not isinstance(raw_levels, list) or len(raw_levels) < 2:
        raise LinkageConfigError(f"{key}.levels: expected a list of at least two levels")
    levels = tuple(_level(f"{key}.levels[{i}]", field, item) for i, item in enumerate(raw_levels))
    _check_levels(key, levels, similarity)
    term_frequency = spec.get("term_frequency", False)
    if not isinstance(term_frequency, bool):
        raise LinkageConfigError(f"{key}.term_frequency: expected true or false")
    return Comparison(field, levels, similarity, term_frequency)


def _level(key: str, field: str, raw: Any) -> Level:
    spec = _mapping(key, raw)
    _known(key, spec, required={"level", "m", "u"}, optional={"at_least", "agree_on"})
    name = spec["level"]
    if not isinstance(name, str) or not _LEVEL_NAME.fullmatch(name) or name == MISSING:
        raise LinkageConfigError(f"{key}.level: expected a level name other than missing")
    owners = _SPECIAL_LEVELS.get(name)
    if owners is not None and field not in owners:
        raise LinkageConfigError(f"{key}.level: {name} applies to {', '.join(owners)} only")
    at_least, agree_on = spec.get("at_least"), spec.get("agree_on")
    special = name in (EXACT, DIFFERENT) or owners is not None
    if special and (at_least is not None or agree_on is not None):
        raise LinkageConfigError(f"{key}: level {name} takes no at_least or agree_on")
    if not special and (at_least is None) == (agree_on is None):
        raise LinkageConfigError(
            f"{key}: level {name} needs either at_least (a similarity) or agree_on (a key)"
        )
    return Level(
        name=name,
        m=_number(f"{key}.m", spec["m"], low=0.0, high=1.0),
        u=_number(f"{key}.u", spec["u"], low=0.0, high=1.0),
        at_least=None if at_least is None else _number(f"{key}.at_least", at_least, 0.0, 1.0),
        agree_on=None if agree_on is None else _blocking_key(f"{key}.agree_on", agree_on),
    )


def _check_levels(key: str, levels: tuple[Level, ...], similarity: str | None) -> None:
    names = [level.name for level in levels]
    if len(set(names)) != len(names):
        raise LinkageConfigError(f"{key}.levels: a level is named twice")
    if names[-1] != DIFFERENT or DIFFERENT in names[:-1]:
        raise LinkageConfigError(f"{key}.levels: the last level must be {DIFFERENT}, and only it")
    if EXACT in names and names[0] != EXACT:
        raise LinkageConfigError(f"{key}.levels: {EXACT} must be the first level")
    bounds = [level.at_least for level in levels if level.at_least is not None]
    if bounds and similarity is None:
        raise LinkageConfigError(f"{key}.similarity: needed by the levels with at_least")
    if any(later >= earlier for earlier, later in itertools.pairwise(bounds)):
        raise LinkageConfigError(f"{key}.levels: at_least must decrease from level to level")


def _rules(raw: Any) -> tuple[BlockingRule, ...]:
    if not isinstance(raw, list) or not raw:
        raise LinkageConfigError("blocking.rules: expected a list of at least one rule")
    return tuple(_rule(f"blocking.rules[{i}]", item) for i, item in enumerate(raw))


def _rule(key: str, raw: Any) -> BlockingRule:
    spec = _mapping(key, raw)
    if "sorted_on" in spec:
        _known(key, spec, required={"sorted_on", "window"}, optional=set())
        window = _count(f"{key}.window", spec["window"])
        if window % 2 == 0:
            raise LinkageConfigError(f"{key}.window: expected an odd number, got {window}")
        return BlockingRule((_blocking_key(f"{key}.sorted_on", spec["sorted_on"]),), window)
    _known(key, spec, required={"agree_on"}, optional=set())
    keys = spec["agree_on"]
    if not isinstance(keys, list) or not keys:
        raise LinkageConfigError(f"{key}.agree_on: expected a list of keys")
    return BlockingRule(tuple(_blocking_key(f"{key}.agree_on", item) for item in keys))


def _blocking_key(key: str, value: Any) -> str:
    if value not in BLOCKING_KEYS:
        raise LinkageConfigError(
            f"{key}: unknown key {value!r} (expected one of {', '.join(BLOCKING_KEYS)})"
        )
    return str(value)


def _prior(raw: Any) -> Prior:
    spec = _mapping("prior", raw)
    _known("prior", spec, {"matches_per_record"}, {"min_population"})
    return Prior(
        matches_per_record=_number("prior.matches_per_record", spec["matches_per_record"], 0.0),
        min_population=_count(
            "prior.min_population", spec.get("min_population", DEFAULT_MIN_POPULATION)
        ),
    )


def _u_estimation(raw: Any) -> UEstimation:
    key = "u_estimation"
    spec = _mapping(key, raw)
    _known(key, spec, set(), {"min_records", "sample_pairs", "min_pairs_per_level", "seed"})
    default = DEFAULT_U_ESTIMATION
    return UEstimation(
        min_records=_count(f"{key}.min_records", spec.get("min_records", default.min_records)),
        sample_pairs=_count(f"{key}.sample_pairs", spec.get("sample_pairs", default.sample_pairs)),
        min_pairs_per_level=_count(
            f"{key}.min_pairs_per_level",
            spec.get("min_pairs_per_level", default.min_pairs_per_level),
        ),
        seed=_count(f"{key}.seed", spec.get("seed", default.seed), zero=True),
    )


def _term_frequency(raw: Any) -> TermFrequency:
    key = "term_frequency"
    spec = _mapping(key, raw)
    _known(key, spec, set(), {"min_records", "minimum_u"})
    default = DEFAULT_TERM_FREQUENCY
    return TermFrequency(
        min_records=_count(f"{key}.min_records", spec.get("min_records", default.min_records)),
        minimum_u=_number(f"{key}.minimum_u", spec.get("minimum_u", default.minimum_u), 0.0, 1.0),
    )


def _mapping(key: str, value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        where = f"{key}: " if key else ""
        raise LinkageConfigError(f"{where}expected a mapping, got {type(value).__name__}")
    return value


def _known(key: str, spec: Mapping[str, Any], required: set[str], optional: set[str]) -> None:
    prefix = f"{key}." if key else ""
    missing = sorted(required - set(spec))
    if missing:
        raise LinkageConfigError(f"{prefix}{missing[0]}: missing")
    unknown = sorted(str(name) for name in set(spec) - required - optional)
    if unknown:
        raise LinkageConfigError(f"{prefix}{unknown[0]}: unknown key")


def _number(
    key: str, value: Any, low: float, high: float = math.inf, open_high: bool = False
) -> float:
    """A number in (low, high], or (low, high) with `open_high`."""
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if ok and low < value and (value < high or (value == high and not open_high)):
        return float(value)
    close = ")" if open_high or high == math.inf else "]"
    raise LinkageConfigError(
        f"{key}: expected a number in ({low:g}, {high:g}{close}, got {value!r}"
    )


def _count(key: str, value: Any, zero: bool = False) -> int:
    """A whole number, above zero (or from zero with `zero`)."""
    low = 0 if zero else 1
    if isinstance(value, int) and not isinstance(value, bool) and value >= low:
        return value
    raise LinkageConfigError(f"{key}: expected a whole number of at least {low}, got {value!r}")
