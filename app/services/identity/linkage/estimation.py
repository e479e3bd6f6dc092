"""u probabilities and term frequencies measured on the records being scored.

u of a level is how often two records of different people reach it. Random pairs are almost
all of different people, so, as Splink does, u is measured on random pairs: exact agreement
from the values' frequencies (exactly: the chance two random records share a value), and
likewise a first name equal to the other record's last name (names swapped); every other
level from a sample of random pairs compared like candidates. A level the sample reaches
fewer than `min_pairs_per_level` times keeps its configured u. No truth is used.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from app.services.identity.linkage.blocking import Candidates
from app.services.identity.linkage.comparing import MISSING_CODE, LevelCodes, compare
from app.services.identity.linkage.config import EXACT, SWAPPED, Comparison, UEstimation

#: The name a swapped name is compared with on the other side.
_CROSSED = {"first_name": "last_name", "last_name": "first_name"}
#: u by field: one value a level, in the order of the comparison's levels.
UByField = Mapping[str, tuple[float, ...]]


def random_pairs(count: int, seed: int, left_size: int, right_size: int | None) -> Candidates:
    """`count` random pairs (fewer once pairs of a record with itself are dropped)."""
    rng = np.random.default_rng(seed)
    left = rng.integers(0, left_size, count, dtype=np.int64)
    right = rng.integers(0, right_size or left_size, count, dtype=np.int64)
    if right_size is None:
        kept = left != right
        left, right = left[kept], right[kept]
    return Candidates(left, right)


def estimate_u(
    comparisons: tuple[Comparison, ...],
    settings: UEstimation,
    left: pd.DataFrame,
    right: pd.DataFrame | None = None,
) -> UByField:
    """u of every level of every comparison, measured on `left` (or `left` against `right`)."""
    sample = random_pairs(
        settings.sample_pairs, settings.seed, len(left), None if right is None else len(right)
    )
    other = left if right is None else right
    levels = compare(comparisons, sample, left, other)
    found = {}
    for comparison in comparisons:
        field = comparison.field
        counted = {EXACT: exact_agreement(left[field], None if right is None else other[field])}
        if field in _CROSSED:  # names swapped: this field on one side, the other name opposite
            counted[SWAPPED] = exact_agreement(left[field], other[_CROSSED[field]])
        codes = levels.codes[field]
        found[field] = _levels_u(comparison, codes, counted, settings.min_pairs_per_level)
    return found


def _levels_u(
    comparison: Comparison, codes: LevelCodes, counted: dict[str, float], min_pairs: int
) -> tuple[float, ...]:
    """u of each level: from the values' frequencies for the levels in `counted` (exact
    agreement first), else the sampled pairs' share; the configured u when neither has
    enough to go on."""
    present = codes[codes != MISSING_CODE]
    has_exact = comparison.levels[0].name == EXACT
    rest = present[present != 0] if has_exact else present
    share = 1.0 - counted[EXACT] if has_exact else 1.0
    out = []
    for number, level in enumerate(comparison.levels):
        if level.name in counted:
            value = counted[level.name]
            out.append(value if value > 0 else level.u)
            continue
        hits = int(np.count_nonzero(rest == number))
        out.append(share * hits / len(rest) if hits >= min_pairs and len(rest) else level.u)
    return tuple(out)


def exact_agreement(left: pd.Series, right: pd.Series | None = None) -> float:
    """The chance two random records (two distinct ones when deduplicating) with values hold
    the same value."""
    counts_left = left.dropna().value_counts()
    if right is None:
        n = int(counts_left.sum())
        if n < 2:
            return 0.0
        same = float((counts_left * (counts_left - 1)).sum())
        return same / (n * (n - 1))
    counts_right = right.dropna().value_counts()
    n_left, n_right = int(counts_left.sum()), int(counts_right.sum())
    if not n_left or not n_right:
        return 0.0
    shared = counts_left.mul(counts_right, fill_value=0)
    return float(shared.sum()) / (n_left * n_right)


def term_frequencies(left: pd.Series, right: pd.Series | None = None) -> pd.Series:
    """Each value's share of the records that have one (both sets together when linking)."""
    values = left if right is None else pd.concat([left, right], ignore_index=True)
    return values.dropna().value_counts(normalize=True)
