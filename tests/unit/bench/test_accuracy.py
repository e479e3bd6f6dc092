"""Pairwise and B-cubed scores on partitions small enough to check by hand."""

from __future__ import annotations

import pytest

from bench.accuracy import evaluate, f1

# Truth: {a, b, c} is person 1, {d, e} is person 2.
TRUTH = {"a": 1, "b": 1, "c": 1, "d": 2, "e": 2}


def test_a_perfect_prediction_scores_one() -> None:
    result = evaluate({"a": "X", "b": "X", "c": "X", "d": "Y", "e": "Y"}, TRUTH)
    assert result.items == 5
    assert (result.predicted_clusters, result.true_clusters) == (2, 2)
    for scores in (result.pairwise, result.bcubed):
        assert (scores.precision, scores.recall, scores.f1) == (1.0, 1.0, 1.0)


def test_one_item_in_the_wrong_cluster() -> None:
    # Predicted {a, b} and {c, d, e}.
    result = evaluate({"a": "X", "b": "X", "c": "Y", "d": "Y", "e": "Y"}, TRUTH)
    # Pairs: true ab ac bc de (4); predicted ab cd ce de (4); both ab de (2).
    assert result.pairwise.precision == pytest.approx(2 / 4)
    assert result.pairwise.recall == pytest.approx(2 / 4)
    assert result.pairwise.f1 == pytest.approx(0.5)
    # B-cubed precision per item: a 2/2, b 2/2, c 1/3, d 2/3, e 2/3 -> 11/3 over 5.
    # B-cubed recall per item:    a 2/3, b 2/3, c 1/3, d 2/2, e 2/2 -> 11/3 over 5.
    assert result.bcubed.precision == pytest.approx(11 / 15)
    assert result.bcubed.recall == pytest.approx(11 / 15)
    assert result.bcubed.f1 == pytest.approx(11 / 15)


def test_everything_merged_loses_precision_only() -> None:
    result = evaluate(dict.fromkeys(TRUTH, "X"), TRUTH)
    # Predicted pairs: C(5,2) = 10, of which the 4 true ones are right.
    assert result.pairwise.precision == pytest.approx(4 / 10)
    assert result.pairwise.recall == 1.0
    assert result.pairwise.f1 == pytest.approx(2 * 0.4 / 1.4)
    # B-cubed precision: a, b, c score 3/5 each; d, e 2/5 each -> (9/5 + 4/5) / 5.
    assert result.bcubed.precision == pytest.approx(13 / 25)
    assert result.bcubed.recall == 1.0


def test_all_singletons_lose_recall_only() -> None:
    result = evaluate({k: k for k in TRUTH}, TRUTH)
    assert result.pairwise.precision == 1.0  # no predicted pair, none wrong
    assert result.pairwise.recall == 0.0
    assert result.pairwise.f1 == 0.0
    assert result.bcubed.precision == 1.0
    # B-cubed recall: a, b, c score 1/3 each; d, e 1/2 each -> (1 + 1) / 5.
    assert result.bcubed.recall == pytest.approx(2 / 5)
    assert result.bcubed.f1 == pytest.approx(f1(1.0, 0.4))


def test_only_items_present_in_both_count() -> None:
    # "z" is unknown to the truth, "e" was never predicted: both are left out.
    result = evaluate({"a": "X", "b": "X", "c": "X", "d": "Y", "z": "Y"}, TRUTH)
    assert result.items == 4
    assert result.pairwise.recall == 1.0 and result.pairwise.precision == 1.0
    assert result.bcubed.recall == 1.0 and result.bcubed.precision == 1.0


def test_nothing_in_common_is_vacuously_perfect() -> None:
    result = evaluate({"z": "X"}, TRUTH)
    assert result.items == 0
    assert result.pairwise.f1 == 1.0 and result.bcubed.f1 == 1.0


def test_f1_is_the_harmonic_mean() -> None:
    assert f1(1.0, 0.5) == pytest.approx(2 / 3)
    assert f1(0.0, 0.0) == 0.0
