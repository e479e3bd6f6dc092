"""The record-linkage model behind "likely the same person" merge suggestions.

`LinkageModel.dedupe` finds pairs of likely one person within one set of records,
`LinkageModel.link` across two sets. Each suggested pair carries its probability, its match
weight and, field by field, the level reached and the weight it added: ids, field names,
levels and numbers, never a value.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from app.domain.review import FieldVerdict
from app.services.identity.linkage.blocking import candidates
from app.services.identity.linkage.comparing import MISSING_CODE, compare
from app.services.identity.linkage.config import MISSING, LinkageConfig, load_config
from app.services.identity.linkage.estimation import (
    UByField,
    ValueCounts,
    estimate_u,
    term_frequencies,
)
from app.services.identity.linkage.frames import frame_of
from app.services.identity.linkage.records import LinkageRecord
from app.services.identity.linkage.scoring import Scores, prior_weight, weigh

log = logging.getLogger(__name__)


def _quiet_recordlinkage() -> None:
    """recordlinkage logs every indexing and comparing step at INFO through a plain-text
    handler of its own, beside the platform's JSON lines: keep its warnings only, through the
    platform's handlers. The scorer logs one line a run instead."""
    library = logging.getLogger("recordlinkage")
    library.setLevel(logging.WARNING)
    for handler in list(library.handlers):
        library.removeHandler(handler)


_quiet_recordlinkage()


@dataclass(frozen=True)
class ScoredPair:
    """Two records (ids, `a` < `b`) likely of one person, and why: the prior and the
    verdicts' weights add up to `weight`, and `probability` is 2^weight / (1 + 2^weight)."""

    a: str
    b: str
    probability: float
    weight: float
    verdicts: tuple[FieldVerdict, ...]


class LinkageModel:
    """Fellegi-Sunter scoring over recordlinkage's blocking and comparisons, with the
    parameters of config/linkage.yaml."""

    def __init__(self, config: LinkageConfig) -> None:
        self.config = config

    @classmethod
    def load(cls, path: Path) -> LinkageModel:
        """The model of a config/linkage.yaml (a ConfigurationError naming the file and the
        key when a parameter is wrong)."""
        return cls(load_config(path))

    @property
    def threshold(self) -> float:
        """The probability at or above which a pair is suggested."""
        return self.config.threshold

    def dedupe(
        self, records: Sequence[LinkageRecord], population: int | None = None
    ) -> list[ScoredPair]:
        """Pairs within `records` at or above the threshold, most likely first.

        `population`: how many comparable records these were sampled from, when they are a
        sample (the prior is per comparable record, as trained); by default as many as
        given. Profiles with too little to compare do not count."""
        scores = self.score(frame_of(records), population=population)
        return self.suggestions(scores, records)

    def link(
        self,
        left: Sequence[LinkageRecord],
        right: Sequence[LinkageRecord],
        population: int | None = None,
    ) -> list[ScoredPair]:
        """Pairs of a record of `left` and one of `right` at or above the threshold, most
        likely first; a pair of two records with one id is left out. `population`: as for
        `dedupe`, by default the size of the larger set."""
        scores = self.score(frame_of(left), frame_of(right), population)
        return self.suggestions(scores, left, right)

    def score(
        self,
        left: pd.DataFrame,
        right: pd.DataFrame | None = None,
        population: int | None = None,
    ) -> Scores:
        """Every candidate pair within `left` (or between `left` and `right`) weighed: the
        step before the threshold, for evaluations and training. Frames come from
        `frame_of`."""
        started = time.perf_counter()
        config = self.config
        other = left if right is None else right
        smaller = len(left) if right is None else min(len(left), len(right))
        pairs = candidates(config.blocking, config.max_block_size, left, right)
        levels = compare(config.comparisons, pairs, left, other)
        counts = ValueCounts(left, right)  # counted once for term frequencies and u
        frequencies = {}
        if smaller >= config.term_frequency.min_records:
            frequencies = {
                c.field: term_frequencies(counts, c.field)
                for c in config.comparisons
                if c.term_frequency
            }
        population = population or max(len(left), len(other))
        prior = prior_weight(config.prior, population)
        u = self._u(left, right, smaller, counts)
        scores = weigh(config, pairs, levels, u, frequencies, left, prior)
        log.info(
            "linkage scored",
            extra={
                "records": len(left) if right is None else len(left) + len(right),
                "candidate_pairs": len(pairs),
                "seconds": round(time.perf_counter() - started, 3),
            },
        )
        return scores

    def _u(
        self, left: pd.DataFrame, right: pd.DataFrame | None, smaller: int, counts: ValueCounts
    ) -> UByField:
        """u measured on the records when there are enough of them, else as configured."""
        config = self.config
        if smaller >= config.u_estimation.min_records:
            return estimate_u(config.comparisons, config.u_estimation, left, right, counts)
        return {c.field: tuple(level.u for level in c.levels) for c in config.comparisons}

    def suggestions(
        self,
        scores: Scores,
        left: Sequence[LinkageRecord],
        right: Sequence[LinkageRecord] | None = None,
    ) -> list[ScoredPair]:
        """The pairs of `scores` at or above the threshold, most likely first: what `dedupe`
        (no `right`) or `link` returns, for a caller that kept the scores of the records it
        gave `score` (the frames of `left` and `right`)."""
        right = left if right is None else right
        chance = scores.probability
        found = []
        for i in np.flatnonzero(chance >= self.threshold):
            a, b = left[scores.pairs.left[i]].id, right[scores.pairs.right[i]].id
            if a == b:
                continue
            found.append(
                ScoredPair(
                    a=min(a, b),
                    b=max(a, b),
                    probability=float(chance[i]),
                    weight=float(scores.total[i]),
                    verdicts=self._verdicts(scores, int(i)),
                )
            )
        found.sort(key=lambda p: (-p.probability, -p.weight, p.a, p.b))
        return found

    def _verdicts(self, scores: Scores, i: int) -> tuple[FieldVerdict, ...]:
        verdicts = []
        for comparison in self.config.comparisons:
            code = int(scores.levels.codes[comparison.field][i])
            level = MISSING if code == MISSING_CODE else comparison.levels[code].name
            weight = float(scores.field_weights[comparison.field][i])
            verdicts.append(FieldVerdict(comparison.field, level, weight))
        return tuple(verdicts)
