"""Fellegi-Sunter scoring: a pair's match weight is the prior plus, for each field, the weight
of the level it reached, log2(m/u); a missing value weighs nothing. Exact agreement on a field
with term frequencies weighs log2(m / frequency of the value). Fields of one group tell one
fact and count once: only the strongest member's weight is added. The probability is the
weight read as log2 odds."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from app.services.identity.linkage.blocking import Candidates
from app.services.identity.linkage.comparing import LevelCodes, PairLevels
from app.services.identity.linkage.config import (
    EXACT,
    Comparison,
    FieldGroup,
    LinkageConfig,
    Prior,
)
from app.services.identity.linkage.estimation import UByField

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Scores:
    """Every candidate pair of one run, with its levels and weights field by field."""

    pairs: Candidates
    levels: PairLevels
    field_weights: Mapping[str, Floats]
    total: Floats

    @property
    def probability(self) -> Floats:
        return probability(self.total)


def probability(weight: Floats) -> Floats:
    """Match probability from a match weight (log2 odds)."""
    return 1.0 / (1.0 + np.exp2(-weight))


def prior_weight(prior: Prior, population: int) -> float:
    """log2 odds that a random pair of records drawn from `population` records matches."""
    others = max(population, prior.min_population) - 1
    chance = min(prior.matches_per_record / others, 0.5)
    return math.log2(chance / (1.0 - chance))


def weigh(
    config: LinkageConfig,
    pairs: Candidates,
    levels: PairLevels,
    u: UByField,
    frequencies: Mapping[str, pd.Series],
    left: pd.DataFrame,
    prior: float,
) -> Scores:
    """The weight of every pair; `frequencies` holds the value frequencies of the fields
    weighed by term frequency (none when too few records were scored)."""
    field_weights = {
        c.field: _weights(c, levels.codes[c.field], u[c.field], frequencies, left, pairs, config)
        for c in config.comparisons
    }
    for group in config.groups:
        field_weights.update(_counted_once(group, field_weights))
    total = np.full(levels.size, prior, dtype=np.float64)
    for weights in field_weights.values():
        total += weights
    return Scores(pairs, levels, field_weights, total)


def _weights(
    comparison: Comparison,
    codes: LevelCodes,
    u: tuple[float, ...],
    frequencies: Mapping[str, pd.Series],
    left: pd.DataFrame,
    pairs: Candidates,
    config: LinkageConfig,
) -> Floats:
    """Each pair's weight for one field: its level's, the value's own for exact agreement on
    a field weighed by term frequency."""
    field = comparison.field
    levels = [
        math.log2(level.m / u_level) for level, u_level in zip(comparison.levels, u, strict=True)
    ]
    weights = np.array([*levels, 0.0])[codes]  # a missing field's code, -1, reads the 0.0
    found = frequencies.get(field)
    if comparison.term_frequency and found is not None and comparison.levels[0].name == EXACT:
        exact = codes == 0
        values = pd.Series(left[field].to_numpy()[pairs.left[exact]])
        share = values.map(found).fillna(0.0).to_numpy(dtype=np.float64)
        floor = config.term_frequency.minimum_u
        weights[exact] = np.log2(comparison.levels[0].m / np.maximum(share, floor))
    return weights


def _counted_once(group: FieldGroup, field_weights: Mapping[str, Floats]) -> dict[str, Floats]:
    """The group's fields' weights, keeping only its strongest member's in each pair: the
    largest when one is positive, else the most negative (a field missing weighs 0)."""
    stacked = np.vstack([field_weights[field] for field in group.fields])
    columns = np.arange(stacked.shape[1])
    strongest = np.where(stacked.max(axis=0) > 0, stacked.argmax(axis=0), stacked.argmin(axis=0))
    kept = np.zeros_like(stacked)
    kept[strongest, columns] = stacked[strongest, columns]
    return {field: kept[row] for row, field in enumerate(group.fields)}
