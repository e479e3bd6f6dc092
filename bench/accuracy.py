"""Clustering accuracy against ground truth: pairwise and B-cubed precision, recall and F1.

Both compare two partitions of the same items: `predicted` maps an item to its profile, `truth`
to its person. Only items present in both count (an identifier the platform dropped, or one
the generator does not know, is left out and reported separately by the caller).

- Pairwise: over all pairs of items, precision = pairs together in both / pairs together in
  the prediction; recall = pairs together in both / pairs together in the truth.
- B-cubed (Bagga and Baldwin, 1998): per item, precision = |its predicted cluster ∩ its true
  cluster| / |its predicted cluster|, recall = the same over |its true cluster|; averaged over
  items. Unlike pairwise scores, large clusters do not dominate.

With no pair to judge (everything a singleton), precision and recall are 1.0: nothing was
wrongly merged, nothing was missed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float


@dataclass(frozen=True)
class Accuracy:
    items: int
    predicted_clusters: int
    true_clusters: int
    pairwise: Scores
    bcubed: Scores

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def f1(precision: float, recall: float) -> float:
    total = precision + recall
    return 0.0 if total == 0 else 2 * precision * recall / total


def _scores(precision: float, recall: float) -> Scores:
    return Scores(precision, recall, f1(precision, recall))


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def evaluate(predicted: Mapping[K, Hashable], truth: Mapping[K, Hashable]) -> Accuracy:
    """Scores of `predicted` against `truth` over the items both contain."""
    items = [k for k in predicted if k in truth]
    if not items:
        one = _scores(1.0, 1.0)
        return Accuracy(0, 0, 0, one, one)
    joint = Counter((predicted[k], truth[k]) for k in items)
    pred_size = Counter(predicted[k] for k in items)
    true_size = Counter(truth[k] for k in items)

    together_both = sum(_pairs(n) for n in joint.values())
    together_pred = sum(_pairs(n) for n in pred_size.values())
    together_true = sum(_pairs(n) for n in true_size.values())
    pairwise = _scores(
        together_both / together_pred if together_pred else 1.0,
        together_both / together_true if together_true else 1.0,
    )

    # Each item of a joint cell (p, t) of size n scores n/|p| and n/|t|; the cell has n items.
    count = len(items)
    b3_precision = sum(n * n / pred_size[p] for (p, _), n in joint.items()) / count
    b3_recall = sum(n * n / true_size[t] for (_, t), n in joint.items()) / count
    return Accuracy(
        items=count,
        predicted_clusters=len(pred_size),
        true_clusters=len(true_size),
        pairwise=pairwise,
        bcubed=_scores(b3_precision, b3_recall),
    )
