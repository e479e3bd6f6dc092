"""Trains the linkage scorer on generated people and writes config/linkage.yaml.

    python -m bench.linkage.train [--seed 7] [--people 15000] [--out config/linkage.yaml]

m of every level: the share of true pairs (records of one person, from the generator's
truth) reaching it. u: measured on random pairs of the same population (exact agreement from
the values' frequencies). The threshold: the probability with the best F1 on a second
population (seed + 1). A third (seed + 2) is left for bench.linkage.febrl's held-out score.
Deterministic for a seed.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from app.services.identity.linkage import LinkageModel, LinkageRecord, record_of
from app.services.identity.linkage.blocking import Candidates
from app.services.identity.linkage.comparing import MISSING_CODE, compare
from app.services.identity.linkage.config import (
    DEFAULT_MAX_BLOCK_SIZE,
    DEFAULT_MIN_POPULATION,
    DEFAULT_TERM_FREQUENCY,
    DEFAULT_U_ESTIMATION,
    EXACT,
    Comparison,
    LinkageConfig,
    Prior,
    UEstimation,
    parse_config,
)
from app.services.identity.linkage.estimation import estimate_u
from app.services.identity.linkage.frames import frame_of
from bench.linkage import design
from bench.linkage.config_text import render
from bench.linkage.measures import PairScores, best_threshold, candidate_truth
from bench.linkage.people import Population, generate

log = logging.getLogger("bench.linkage.train")

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUT = ROOT / "config" / "linkage.yaml"
SEED, PEOPLE = 7, 15_000
#: Random pairs measuring u at training (the scorer samples fewer at each run).
TRAINING_U_PAIRS = 1_000_000
#: Added to every level's count of true pairs: a level no true pair reached keeps a small m.
M_PSEUDO_COUNT = 0.5


@dataclass(frozen=True)
class Sample:
    """A generated population as the scorer reads it: records, ids, and the true pairs."""

    records: list[LinkageRecord]
    truth: set[tuple[str, str]]

    @classmethod
    def of(cls, population: Population) -> Sample:
        records = [
            found for r in population.records if (found := record_of(r.id, r.traits)) is not None
        ]
        kept = {r.id for r in records}
        truth = {pair for pair in population.true_pairs() if kept.issuperset(pair)}
        return cls(records, truth)

    @property
    def ids(self) -> list[str]:
        return [r.id for r in self.records]

    @functools.cached_property
    def frame(self) -> pd.DataFrame:
        """The records as the scorer reads them, built once for every measure taken."""
        return frame_of(self.records)


@dataclass(frozen=True)
class Trained:
    config: LinkageConfig
    validation: PairScores
    training_records: int
    training_pairs: int


def measure_m(sample: Sample) -> dict[str, tuple[float, ...]]:
    """m of every level: the share of true pairs, with the field present on both sides,
    reaching it."""
    position = {record_id: i for i, record_id in enumerate(sample.ids)}
    pairs = sorted(sample.truth)
    left = np.array([position[a] for a, _ in pairs], dtype=np.int64)
    right = np.array([position[b] for _, b in pairs], dtype=np.int64)
    comparisons = design.comparisons()
    levels = compare(comparisons, Candidates(left, right), sample.frame, sample.frame)
    found = {}
    for comparison in comparisons:
        codes = levels.codes[comparison.field]
        present = codes[codes != MISSING_CODE]
        counts = [
            float(np.count_nonzero(present == k)) + M_PSEUDO_COUNT
            for k in range(len(comparison.levels))
        ]
        total = sum(counts)
        found[comparison.field] = tuple(count / total for count in counts)
    return found


def measure_u(
    sample: Sample, seed: int, m: dict[str, tuple[float, ...]]
) -> dict[str, tuple[float, ...]]:
    """u of every level on random pairs. A level no sampled pair reached gets one pair; a
    similarity level is never weighted above the stricter level before it (too rare to
    measure, its u is raised to that level's weight)."""
    floor = 1.0 / TRAINING_U_PAIRS
    unmeasured = design.comparisons(u={f: (floor,) * len(v[2]) for f, v in design.LEVELS.items()})
    settings = UEstimation(1, TRAINING_U_PAIRS, 1, seed)
    measured = estimate_u(unmeasured, settings, sample.frame)
    return {c.field: _monotone(c, m[c.field], measured[c.field]) for c in unmeasured}


def _monotone(
    comparison: Comparison, m: tuple[float, ...], u: tuple[float, ...]
) -> tuple[float, ...]:
    found = list(u)
    stricter: int | None = None
    for k, level in enumerate(comparison.levels):
        heavier = stricter is not None and m[k] / found[k] > m[stricter] / found[stricter]
        if level.at_least is not None and stricter is not None and heavier:
            found[k] = m[k] * found[stricter] / m[stricter]
        if level.at_least is not None or level.name == EXACT:
            stricter = k
    return tuple(found)


def train(seed: int = SEED, people: int = PEOPLE) -> Trained:
    training = Sample.of(generate(people, seed))
    log.info(
        "training population: %d records, %d true pairs", len(training.records), len(training.truth)
    )
    m = measure_m(training)
    u = measure_u(training, seed, m)
    config = LinkageConfig(
        threshold=0.5,
        prior=Prior(2 * len(training.truth) / len(training.records), DEFAULT_MIN_POPULATION),
        comparisons=design.comparisons(m, u),
        blocking=design.BLOCKING,
        # The parser's defaults: a file that leaves these keys out reads the same.
        max_block_size=DEFAULT_MAX_BLOCK_SIZE,
        u_estimation=DEFAULT_U_ESTIMATION,
        term_frequency=DEFAULT_TERM_FREQUENCY,
        groups=design.GROUPS,
    )
    validation = Sample.of(generate(people, seed + 1))
    threshold, scores = choose_threshold(LinkageModel(config), validation)
    config = dataclasses.replace(config, threshold=threshold)
    return Trained(config, scores, len(training.records), len(training.truth))


def choose_threshold(model: LinkageModel, sample: Sample) -> tuple[float, PairScores]:
    """The probability threshold with the best F1 on `sample`, rounded down to a round
    number (so the written file does not pretend to more digits than it has)."""
    scores = model.score(sample.frame)
    ids = sample.ids
    is_true = candidate_truth(scores, ids, ids, sample.truth)
    best, found = best_threshold(scores.probability, is_true, len(sample.truth))
    return _round_down(best), found


def _round_down(probability: float) -> float:
    """To two significant digits of the odds' distance from 1 (0.99734 -> 0.997)."""
    if probability >= 1.0:
        return 0.999999
    gap = 1.0 - probability
    digits = max(2, -int(np.floor(np.log10(gap))) + 1)
    return float(np.floor(probability * 10**digits) / 10**digits)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--people", type=int, default=PEOPLE)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    trained = train(args.seed, args.people)
    v = trained.validation
    text = render(
        trained.config,
        provenance=(
            f"seed {args.seed}: {trained.training_records} generated records, "
            f"{trained.training_pairs} true pairs"
        ),
        threshold_note=(f"precision {v.precision:.3f}, recall {v.recall:.3f}, F1 {v.f1:.3f} there"),
    )
    parse_config(yaml.safe_load(text))  # the file written reads back
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}: threshold {trained.config.threshold}, validation F1 {v.f1:.4f}")


if __name__ == "__main__":
    main()
