"""Pairwise precision, recall and F1 of suggested pairs against true pairs, and the same over
every threshold of a run's scores."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from app.services.identity.linkage.scoring import Scores

Pair = tuple[str, str]


@dataclass(frozen=True)
class PairScores:
    precision: float
    recall: float
    f1: float
    suggested: int
    true_pairs: int
    correct: int

    def as_dict(self) -> dict[str, float | int]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "suggested": self.suggested,
            "true_pairs": self.true_pairs,
            "correct": self.correct,
        }


def pair_scores(suggested: set[Pair], truth: set[Pair]) -> PairScores:
    correct = len(suggested & truth)
    precision = correct / len(suggested) if suggested else 1.0
    recall = correct / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return PairScores(precision, recall, f1, len(suggested), len(truth), correct)


def ordered(a: str, b: str) -> Pair:
    return (a, b) if a < b else (b, a)


def candidate_truth(
    scores: Scores, left_ids: Sequence[str], right_ids: Sequence[str], truth: set[Pair]
) -> npt.NDArray[np.bool_]:
    """Whether each candidate pair of `scores` is a true pair."""
    return np.fromiter(
        (
            ordered(left_ids[i], right_ids[j]) in truth
            for i, j in zip(scores.pairs.left, scores.pairs.right, strict=True)
        ),
        dtype=bool,
        count=len(scores.pairs),
    )


def best_threshold(
    probability: npt.NDArray[np.float64], is_true: npt.NDArray[np.bool_], true_pairs: int
) -> tuple[float, PairScores]:
    """The probability threshold with the best F1 over the candidate pairs (true pairs the
    blocking missed count as missed)."""
    order = np.argsort(-probability, kind="stable")
    hits = np.cumsum(is_true[order])
    suggested = np.arange(1, len(order) + 1)
    precision = hits / suggested
    recall = hits / max(true_pairs, 1)
    f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
    # A threshold sits between distinct probabilities: only the last of equal ones counts.
    ranked = probability[order]
    last_of_equal = np.append(ranked[1:] != ranked[:-1], True)
    best = int(np.argmax(np.where(last_of_equal, f1, -1.0)))
    threshold = float(ranked[best])
    found = pair_scores_at(int(hits[best]), best + 1, true_pairs)
    return threshold, found


def pair_scores_at(correct: int, suggested: int, true_pairs: int) -> PairScores:
    precision = correct / suggested if suggested else 1.0
    recall = correct / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return PairScores(precision, recall, f1, suggested, true_pairs, correct)
