"""Candidate pairs: the union of the blocking rules' pairs (recordlinkage's `Block` and
`SortedNeighbourhood`), never the full cross product.

A key value shared by more than `max_block_size` records (a placeholder postal code, a very
common name in one year) proposes no pairs for that rule: the other rules still do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
import recordlinkage
from recordlinkage.index import Block, SortedNeighbourhood

from app.services.identity.linkage.config import BlockingRule

Positions = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Candidates:
    """Pairs of row positions: `left[i]` of the left frame with `right[i]` of the right one
    (the same frame when deduplicating, then always left > right)."""

    left: Positions
    right: Positions

    def __len__(self) -> int:
        return len(self.left)


def candidates(
    rules: tuple[BlockingRule, ...],
    max_block_size: int,
    left: pd.DataFrame,
    right: pd.DataFrame | None = None,
) -> Candidates:
    """The candidate pairs within `left` (deduplication) or between `left` and `right`."""
    if len(left) < (2 if right is None else 1) or (right is not None and len(right) == 0):
        return Candidates(np.empty(0, np.int64), np.empty(0, np.int64))
    indexer = recordlinkage.Index()
    keyed_left, keyed_right = _keys(rules, max_block_size, left, right)
    for number, rule in enumerate(rules):
        columns = [_column(number, i) for i in range(len(rule.on))]
        if rule.window is None:
            indexer.add(Block(left_on=columns))
        else:
            indexer.add(SortedNeighbourhood(left_on=columns[0], window=rule.window))
    pairs = (
        indexer.index(keyed_left) if keyed_right is None else indexer.index(keyed_left, keyed_right)
    )
    return Candidates(
        np.asarray(pairs.get_level_values(0), dtype=np.int64),
        np.asarray(pairs.get_level_values(1), dtype=np.int64),
    )


def _column(rule: int, key: int) -> str:
    return f"rule{rule}_key{key}"


def _keys(
    rules: tuple[BlockingRule, ...],
    max_block_size: int,
    left: pd.DataFrame,
    right: pd.DataFrame | None,
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """One column a rule's key, with the values of oversized blocks taken out."""
    keyed_left = pd.DataFrame(index=left.index)
    keyed_right = None if right is None else pd.DataFrame(index=right.index)
    for number, rule in enumerate(rules):
        on = list(rule.on)
        left_keys = left[on]
        right_keys = None if right is None else right[on]
        both = (
            left_keys
            if right_keys is None
            else pd.concat([left_keys, right_keys], ignore_index=True)
        )
        oversized = _oversized(both, max_block_size)
        _add_keys(keyed_left, number, left_keys, oversized)
        if right_keys is not None and keyed_right is not None:
            _add_keys(keyed_right, number, right_keys, oversized)
    return keyed_left, keyed_right


def _add_keys(
    keyed: pd.DataFrame, rule: int, keys: pd.DataFrame, oversized: set[tuple[object, ...]]
) -> None:
    """The rule's key columns into `keyed`, blank where the record's key is in an oversized
    block (one mask for all the rule's columns)."""
    in_oversized = _in_oversized(keys, oversized)
    for i, column in enumerate(keys.columns):
        values = keys[column].astype(object)
        keyed[_column(rule, i)] = values if in_oversized is None else values.mask(in_oversized)


def _oversized(keys: pd.DataFrame, max_block_size: int) -> set[tuple[object, ...]]:
    sizes = keys.dropna().value_counts()
    return {_tuple(k) for k in sizes[sizes > max_block_size].index}


def _tuple(key: object) -> tuple[object, ...]:
    return key if isinstance(key, tuple) else (key,)


def _in_oversized(keys: pd.DataFrame, oversized: set[tuple[object, ...]]) -> pd.Series | None:
    """Whether each record's key is an oversized block's; None when no block is."""
    if not oversized:
        return None
    tuples = pd.Series(list(keys.itertuples(index=False, name=None)), index=keys.index)
    return tuples.isin(oversized)
