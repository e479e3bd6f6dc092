"""The shipped model on pairs small enough to reason about: one person with typos is
suggested, two people with one common name in one city are not, and nothing it returns or
logs holds a value."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import pytest

from app.services.identity.linkage import (
    FIELDS,
    LinkageModel,
    LinkageRecord,
    ScoredPair,
    record_of,
)
from app.services.identity.linkage.scoring import prior_weight

ZEBULON = {
    "first_name": "Zebulon",
    "last_name": "Quillfeather",
    "birthday": "1987-03-11",
    "address": "4417 Marigold Lane",
    "city": "Oakhaven",
    "postal_code": "90210",
    "state": "Vermont",
    "phone": "(310) 555-0142",
}


def _record(id_: str, traits: Mapping[str, object]) -> LinkageRecord:
    found = record_of(id_, traits)
    assert found is not None
    return found


def test_one_person_with_typos_is_suggested(model: LinkageModel) -> None:
    retyped = {
        "name": "Zebulon Quilfeather",  # a letter dropped, as a full name
        "birthday": "1987-11-03",  # day and month swapped
        "address": "4417 Marigold Ln",
        "city": "OAKHAVEN",
        "postal_code": "90210",
        "phone": "+1 310 555 0142",
    }
    found = model.dedupe([_record("p-2", retyped), _record("p-1", ZEBULON)])
    assert [(p.a, p.b) for p in found] == [("p-1", "p-2")]
    # The prior and the verdicts' weights add up to the weight, read as log2 odds.
    pair = found[0]
    prior = prior_weight(model.config.prior, 2)
    assert pair.weight == pytest.approx(prior + sum(v.weight for v in pair.verdicts))
    assert pair.probability == pytest.approx(2**pair.weight / (1 + 2**pair.weight))
    levels = {v.field: v.level for v in found[0].verdicts}
    assert levels["first_name"] == "exact"
    assert levels["last_name"] == "similar"
    assert levels["birthday"] == "swapped"
    assert levels["state"] == "missing"


def test_a_person_who_moved_is_suggested(model: LinkageModel) -> None:
    moved = {
        **ZEBULON,
        "address": "9 Harbor Road",
        "city": "Seaport",
        "postal_code": "02110",
        "state": "MA",
        "phone": None,
    }
    found = model.dedupe([_record("p-1", ZEBULON), _record("p-2", moved)])
    assert [(p.a, p.b) for p in found] == [("p-1", "p-2")]


def test_two_people_with_one_common_name_in_one_city_are_not(model: LinkageModel) -> None:
    first = {
        "first_name": "John",
        "last_name": "Smith",
        "birthday": "1975-06-02",
        "address": "12 Oak Street",
        "city": "Chicago",
        "postal_code": "60614",
        "state": "IL",
        "phone": "312-555-0101",
    }
    second = {
        "first_name": "John",
        "last_name": "Smith",
        "birthday": "1991-11-23",
        "address": "800 Lake Shore Drive",
        "city": "Chicago",
        "postal_code": "60614",
        "state": "IL",
        "phone": "312-555-0199",
    }
    assert model.dedupe([_record("a", first), _record("b", second)]) == []


def test_a_parent_and_a_child_of_one_name_at_one_address_are_not(model: LinkageModel) -> None:
    father = {
        "first_name": "Robert",
        "last_name": "Okafor",
        "birthday": "1958-02-11",
        "address": "3 Elm Court",
        "city": "Dayton",
        "postal_code": "45402",
    }
    son = {**father, "birthday": "1986-09-30"}
    assert model.dedupe([_record("f", father), _record("s", son)]) == []


def test_pairs_are_ordered_by_id_and_most_likely_first(model: LinkageModel) -> None:
    exact_copy = _record("z-copy", ZEBULON)
    typo = _record("a-typo", {**ZEBULON, "first_name": "Zebulno", "phone": None})
    found = model.dedupe([exact_copy, _record("m-orig", ZEBULON), typo])
    assert all(p.a < p.b for p in found)
    assert (found[0].a, found[0].b) == ("m-orig", "z-copy")
    assert [p.probability for p in found] == sorted((p.probability for p in found), reverse=True)


def test_link_pairs_records_across_two_sets_only(model: LinkageModel) -> None:
    left = [_record("L1", ZEBULON), _record("L2", {**ZEBULON, "address": "1 Other Way"})]
    right = [_record("R1", {**ZEBULON, "first_name": "Zeb"}), _record("L1", ZEBULON)]
    found = model.link(left, right)
    pairs = {(p.a, p.b) for p in found}
    assert ("L1", "R1") in pairs
    assert ("L1", "L2") in pairs  # L2 of the left set with L1 of the right one
    assert all(p.a != p.b for p in found)


def test_nothing_returned_or_logged_holds_a_value(
    model: LinkageModel, caplog: pytest.LogCaptureFixture
) -> None:
    records = [_record("p-1", ZEBULON), _record("p-2", {**ZEBULON, "first_name": "Zebulun"})]
    with caplog.at_level(logging.DEBUG):
        found = model.dedupe(records)
    assert found
    shown = (
        repr(found)
        + repr(records)
        + " ".join(f"{r.getMessage()} {vars(r)}" for r in caplog.records)
    )
    values = {str(v) for v in ZEBULON.values()}
    cleaned = {v for r in records for v in r.fields.values()}
    for value in values | cleaned | {"5550142", "quillfeather"}:
        assert value.lower() not in shown.lower(), value


def test_verdicts_say_field_level_and_weight_for_every_field(model: LinkageModel) -> None:
    found = model.dedupe([_record("p-1", ZEBULON), _record("p-2", ZEBULON)])
    pair: ScoredPair = found[0]
    assert [v.field for v in pair.verdicts] == list(FIELDS)
    assert {v.level for v in pair.verdicts} == {"exact"}
    # The household's fields count once: one of them carries the weight, the others add 0.
    household = [v.weight for v in pair.verdicts if v.field in ("last_name", "address", "city")]
    assert sorted(w > 0 for w in household) == [False, False, True]


def test_nothing_to_pair(model: LinkageModel) -> None:
    assert model.dedupe([]) == []
    assert model.dedupe([_record("only", ZEBULON)]) == []
    assert model.link([], [_record("only", ZEBULON)]) == []
