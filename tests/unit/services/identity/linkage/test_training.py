"""The training side: generated people with their truth and their hard cases, m measured on
true pairs, and the threshold with the best F1."""

from __future__ import annotations

import numpy as np
import pytest

from app.services.identity.linkage import record_of
from bench.linkage import design
from bench.linkage.measures import best_threshold, pair_scores
from bench.linkage.people import generate
from bench.linkage.train import Sample, measure_m

TRAIT_NAMES = {
    "first_name",
    "last_name",
    "name",
    "birthday",
    "address",
    "city",
    "postal_code",
    "state",
    "phone",
}


def test_a_population_is_the_same_for_a_seed_and_carries_its_truth() -> None:
    population = generate(600, seed=3)
    assert population == generate(600, seed=3)
    assert population != generate(600, seed=4)
    assert len(population.people) >= 600
    assert all(set(r.traits) <= TRAIT_NAMES for r in population.records)
    truth = population.true_pairs()
    person = {r.id: r.person for r in population.records}
    assert truth and all(person[a] == person[b] and a < b for a, b in truth)


def test_the_hard_cases_are_there() -> None:
    population = generate(3000, seed=5)
    relations = {
        population.relation(p.id, p.related_to)
        for p in population.people.values()
        if p.related_to is not None
    }
    assert relations == {"twins", "parent_child", "namesakes"}
    twins = [p for p in population.people.values() if p.relation == "twin"]
    assert twins
    for twin in twins:
        sibling = population.people[twin.related_to or -1]
        assert (twin.last_name, twin.birthday, twin.home) == (
            sibling.last_name,
            sibling.birthday,
            sibling.home,
        )
        assert twin.first_name != sibling.first_name


def test_m_has_a_share_for_every_level() -> None:
    m = measure_m(Sample.of(generate(800, seed=6)))
    for field, (_, _, levels) in design.LEVELS.items():
        assert len(m[field]) == len(levels)
    assert m["birthday"][0] > 0.8  # most records of one person agree on the birthday


def test_m_is_the_share_of_true_pairs_at_each_level() -> None:
    traits = {"first_name": "Zebulon", "last_name": "Quill", "birthday": "1980-01-02"}
    retyped = {**traits, "first_name": "Zebulun", "birthday": "1980-02-01"}
    records = [record_of("p1", traits), record_of("p2", traits), record_of("p3", retyped)]
    sample = Sample([r for r in records if r is not None], {("p1", "p2"), ("p1", "p3")})
    m = measure_m(sample)
    # Each level counts its true pairs plus M_PSEUDO_COUNT: p1-p2 agree exactly, p1-p3
    # reach "similar" (first name) and "swapped" (birthday).
    assert m["first_name"] == pytest.approx(tuple(n / 5.5 for n in (1.5, 0.5, 1.5) + (0.5,) * 4))
    assert m["birthday"] == pytest.approx(tuple(n / 5 for n in (1.5, 1.5) + (0.5,) * 4))
    assert m["last_name"] == pytest.approx(tuple(n / 4.5 for n in (2.5,) + (0.5,) * 4))
    # No pair has a phone on both sides: only the pseudo counts, shared evenly.
    assert m["phone"] == pytest.approx((1 / 3,) * 3)


def test_the_threshold_with_the_best_f1() -> None:
    probability = np.array([0.99, 0.95, 0.9, 0.6, 0.5, 0.2])
    is_true = np.array([True, True, False, True, False, False])
    threshold, scores = best_threshold(probability, is_true, true_pairs=4)
    # 0.6 keeps 3 of 4 suggested right, 3 of 4 true pairs found: F1 0.75, the best.
    assert threshold == 0.6
    assert (scores.precision, scores.recall) == (0.75, 0.75)


def test_pair_scores() -> None:
    scores = pair_scores({("a", "b"), ("a", "c")}, {("a", "b"), ("d", "e")})
    assert (scores.precision, scores.recall, scores.f1) == (0.5, 0.5, 0.5)
    assert pair_scores(set(), set()).f1 == 1.0
