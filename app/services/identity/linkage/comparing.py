"""The level each field of each pair reaches, computed with recordlinkage's `Compare`.

First, over every pair: exact agreement on the field and on the keys some levels name
(`Exact`), and a birthday with day and month swapped (`Date`). Then, only over the pairs whose
values are both present and differ: the string similarity, whether two first names share a
nickname group, whether first and last names are swapped. Jaro-Winkler, Jaro and
(Damerau-)Levenshtein similarities are jellyfish's functions, as recordlinkage's `String`
computes them, called over the column pairs without a pandas `apply` per pair (several times
faster); q-gram and cosine similarities are recordlinkage's own.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import jellyfish
import numpy as np
import numpy.typing as npt
import pandas as pd
import recordlinkage
from recordlinkage.compare import Date, Exact, String

from app.services.identity.linkage.blocking import Candidates
from app.services.identity.linkage.config import DIFFERENT, EXACT, NICKNAME, SWAPPED, Comparison
from app.services.identity.linkage.frames import BIRTH_DATE, NICKNAMES
from app.services.identity.linkage.nicknames import are_nicknames

LevelCodes = npt.NDArray[np.int8]
Floats = npt.NDArray[np.float64]
#: The code of a pair whose field is missing on either side (it weighs nothing).
MISSING_CODE = -1
#: recordlinkage's `Date` scores a day/month swap with this value.
_SWAP_SCORE = 0.5
_NAMES = ("first_name", "last_name")
#: Pairs compared at a time.
CHUNK = 200_000


def _edit_similarity(distance: Callable[[str, str], int]) -> Callable[[str, str], float]:
    def similarity(a: str, b: str) -> float:
        return 1.0 - distance(a, b) / max(len(a), len(b), 1)

    return similarity


_SIMILARITIES: Mapping[str, Callable[[str, str], float]] = {
    "jarowinkler": jellyfish.jaro_winkler_similarity,
    "jaro": jellyfish.jaro_similarity,
    "levenshtein": _edit_similarity(jellyfish.levenshtein_distance),
    "damerau_levenshtein": _edit_similarity(jellyfish.damerau_levenshtein_distance),
}


@dataclass(frozen=True)
class PairLevels:
    """For each compared field, the index of the level each pair reached in that field's
    `Comparison.levels` (MISSING_CODE when either value is missing)."""

    codes: Mapping[str, LevelCodes]
    size: int


def compare(
    comparisons: tuple[Comparison, ...],
    pairs: Candidates,
    left: pd.DataFrame,
    right: pd.DataFrame,
) -> PairLevels:
    """The levels of every pair, `left` rows against `right` rows (one frame twice when
    deduplicating), compared `CHUNK` pairs at a time so memory stays bounded."""
    chunks: dict[str, list[LevelCodes]] = {c.field: [np.empty(0, np.int8)] for c in comparisons}
    for start in range(0, len(pairs), CHUNK):
        part = Candidates(pairs.left[start : start + CHUNK], pairs.right[start : start + CHUNK])
        everywhere = _compute(_whole_pair_features(comparisons), part, left, right)
        for c in comparisons:
            chunks[c.field].append(_field_codes(c, part, everywhere, left, right))
    return PairLevels({field: np.concatenate(parts) for field, parts in chunks.items()}, len(pairs))


def _field_codes(
    comparison: Comparison,
    pairs: Candidates,
    everywhere: pd.DataFrame,
    left: pd.DataFrame,
    right: pd.DataFrame,
) -> LevelCodes:
    """One field's level codes: the tests over every pair, then those over the pairs whose
    values differ."""
    field, size = comparison.field, len(pairs)
    missing = (
        left[field].isna().to_numpy()[pairs.left] | right[field].isna().to_numpy()[pairs.right]
    )
    exact = everywhere[f"{field}:{EXACT}"].to_numpy() == 1
    differing = np.flatnonzero(~missing & ~exact)
    subset = Candidates(pairs.left[differing], pairs.right[differing])
    partial = _compute(_differing_features(comparison), subset, left, right)
    tests = {EXACT: exact}
    for level in comparison.levels:
        if level.agree_on is not None:
            tests[level.name] = everywhere[f"{field}:{level.name}"].to_numpy() == 1
    if f"{field}:{SWAPPED}" in everywhere:  # a birthday's day and month
        tests[SWAPPED] = everywhere[f"{field}:{SWAPPED}"].to_numpy() == _SWAP_SCORE
    for name in (SWAPPED, NICKNAME):
        if name in partial:  # first and last names swapped, nicknames
            reached = np.zeros(size, dtype=bool)
            reached[differing] = partial[name].to_numpy(dtype=bool)
            tests[name] = reached
    similarity = np.full(size, np.nan)
    if "similarity" in partial:
        similarity[differing] = partial["similarity"].to_numpy(dtype=np.float64)
    return _codes(comparison, missing, tests, similarity)


def _compute(
    features: recordlinkage.Compare, pairs: Candidates, left: pd.DataFrame, right: pd.DataFrame
) -> pd.DataFrame:
    if not features.features or len(pairs) == 0:
        return pd.DataFrame(index=pd.RangeIndex(len(pairs)))
    index = pd.MultiIndex.from_arrays([pairs.left, pairs.right])
    with warnings.catch_warnings():
        # recordlinkage's Date writes 0.5 into an integer column, which pandas deprecates.
        warnings.filterwarnings("ignore", category=FutureWarning, module="recordlinkage")
        found: pd.DataFrame = features.compute(index, left, right)
    return found.reset_index(drop=True)


def _whole_pair_features(comparisons: tuple[Comparison, ...]) -> recordlinkage.Compare:
    features = recordlinkage.Compare()
    for comparison in comparisons:
        field = comparison.field
        features.add(Exact(field, field, label=f"{field}:{EXACT}"))
        for level in comparison.levels:
            if level.agree_on is not None:
                key = level.agree_on
                features.add(Exact(key, key, label=f"{field}:{level.name}"))
        if field == "birthday" and SWAPPED in {level.name for level in comparison.levels}:
            features.add(
                Date(
                    BIRTH_DATE,
                    BIRTH_DATE,
                    swap_month_day=_SWAP_SCORE,
                    swap_months=[],
                    label=f"{field}:{SWAPPED}",
                )
            )
    return features


def _differing_features(comparison: Comparison) -> recordlinkage.Compare:
    features = recordlinkage.Compare()
    field, method = comparison.field, comparison.similarity
    if method is not None and method in _SIMILARITIES:
        features.compare_vectorized(_similarity(method), field, field, label="similarity")
    elif method is not None:
        features.add(String(field, field, method=method, label="similarity"))
    names = {level.name for level in comparison.levels}
    if NICKNAME in names:
        features.compare_vectorized(_nicknames, NICKNAMES, NICKNAMES, label=NICKNAME)
    if SWAPPED in names and field in _NAMES:
        features.compare_vectorized(_names_swapped, list(_NAMES), list(_NAMES), label=SWAPPED)
    return features


def _names_swapped(
    first_left: pd.Series, last_left: pd.Series, first_right: pd.Series, last_right: pd.Series
) -> npt.NDArray[np.bool_]:
    """First and last names written the other way round (present on both sides)."""
    present = (
        first_left.notna().to_numpy()
        & last_left.notna().to_numpy()
        & first_right.notna().to_numpy()
        & last_right.notna().to_numpy()
    )
    crossed = (first_left.to_numpy() == last_right.to_numpy()) & (
        last_left.to_numpy() == first_right.to_numpy()
    )
    return np.asarray(present & crossed, dtype=bool)


def _similarity(method: str) -> Callable[[pd.Series, pd.Series], Floats]:
    measure = _SIMILARITIES[method]

    def similarities(left: pd.Series, right: pd.Series) -> Floats:
        return np.fromiter(
            (measure(a, b) for a, b in zip(left, right, strict=True)),
            dtype=np.float64,
            count=len(left),
        )

    return similarities


def _nicknames(left: pd.Series, right: pd.Series) -> npt.NDArray[np.bool_]:
    return np.fromiter(
        (bool(a) and bool(b) and are_nicknames(a, b) for a, b in zip(left, right, strict=True)),
        dtype=bool,
        count=len(left),
    )


def _codes(
    comparison: Comparison,
    missing: npt.NDArray[np.bool_],
    tests: Mapping[str, npt.NDArray[np.bool_]],
    similarity: Floats,
) -> LevelCodes:
    codes = np.full(len(missing), MISSING_CODE, dtype=np.int8)
    open_ = ~missing
    with np.errstate(invalid="ignore"):
        for number, level in enumerate(comparison.levels):
            if level.at_least is not None:
                reached = similarity >= level.at_least
            elif level.name == DIFFERENT:  # whatever is left
                reached = np.ones(len(missing), dtype=bool)
            else:  # a test no pair needed (none differed): no pair reaches it
                reached = tests.get(level.name, np.zeros(len(missing), dtype=bool))
            chosen = open_ & reached
            codes[chosen] = number
            open_ &= ~chosen
    return codes
