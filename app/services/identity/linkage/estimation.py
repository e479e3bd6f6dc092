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


class ValueCounts:
    """How often each value occurs in a column of the records scored (missing values left
    out), counted once a column and side: exact agreement and term frequencies read the
    same counts. When deduplicating, the right side is the left one."""

    def __init__(self, left: pd.DataFrame, right: pd.DataFrame | None = None) -> None:
        self.deduplicating = right is None
        self._frames = {"left": left, "right": left if right is None else right}
        self._found: dict[tuple[str, str], pd.Series] = {}

    def left(self, column: str) -> pd.Series:
        return self._count("left", column)

    def right(self, column: str) -> pd.Series:
        return self._count("left" if self.deduplicating else "right", column)

    def _count(self, side: str, column: str) -> pd.Series:
        found = self._found.get((side, column))
        if found is None:
            found = self._frames[side][column].dropna().value_counts()
            self._found[side, column] = found
        return found


def estimate_u(
    comparisons: tuple[Comparison, ...],
    settings: UEstimation,
    left: pd.DataFrame,
    right: pd.DataFrame | None = None,
    counts: ValueCounts | None = None,
) -> UByField:
    """u of every level of every comparison, measured on `left` (or `left` against `right`);
    `counts`: the value counts of these frames, when the caller counted already."""
    sample = random_pairs(
        settings.sample_pairs, settings.seed, len(left), None if right is None else len(right)
    )
    other = left if right is None else right
    counts = counts or ValueCounts(left, right)
    levels = compare(comparisons, sample, left, other)
    found = {}
    for comparison in comparisons:
        field = comparison.field
        same = None if right is None else counts.right(field)
        counted = {EXACT: exact_agreement(counts.left(field), same)}
        if field in _CROSSED:  # names swapped: this field on one side, the other name opposite
            counted[SWAPPED] = exact_agreement(counts.left(field), counts.right(_CROSSED[field]))
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


def exact_agreement(counts_left: pd.Series, counts_right: pd.Series | None = None) -> float:
    """The chance two random records (two distinct ones when deduplicating: no
    `counts_right`) with values hold the same value, from the values' counts on each side."""
    if counts_right is None:
        n = int(counts_left.sum())
        if n < 2:
            return 0.0
        same = float((counts_left * (counts_left - 1)).sum())
        return same / (n * (n - 1))
    n_left, n_right = int(counts_left.sum()), int(counts_right.sum())
    if not n_left or not n_right:
        return 0.0
    shared = counts_left.mul(counts_right, fill_value=0)
    return float(shared.sum()) / (n_left * n_right)


def term_frequencies(counts: ValueCounts, column: str) -> pd.Series:
    """Each value's share of the records that have one (both sets together when linking)."""
    found = counts.left(column)
    if not counts.deduplicating:
        found = found.add(counts.right(column), fill_value=0)
    shares: pd.Series = found / found.sum()
    return shares
