"""Survivorship on crafted observations with hand-computed winners, and order independence."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.traits import (
    Candidate,
    Decision,
    FieldType,
    Observation,
    Strategy,
    TraitError,
    TraitField,
    TraitSchema,
    aggregate,
    canonical_json,
    coerce,
    decide,
    golden_record,
)

DAY = 86_400.0
T0 = 1_700_000_000.0
SCHEMA = TraitSchema(
    fields=(),
    source_trust={"crm": 0.9, "import": 0.8, "web": 0.6},
    half_life_days=10,
)


def obs(
    value: Any,
    source: str,
    day: float = 0,
    *,
    confidence: float = 1.0,
    count: int = 1,
    first_day: float | None = None,
    identifier: str = "id1",
    field: str = "f",
    sealed: bool = False,
) -> Observation:
    value_id = canonical_json(value)
    return Observation(
        field=field,
        value_id=value_id,
        value=None if sealed else value,
        source=source,
        at=T0 + day * DAY,
        confidence=confidence,
        count=count,
        first_at=T0 + (day if first_day is None else first_day) * DAY,
        identifier=identifier,
        observation_id=f"{field}|{identifier}|{source}|{value_id}",
    )


def run(strategy: Strategy, observations: list[Observation], **kw: Any) -> Decision:
    type_: FieldType = "list" if strategy == "union" else "string"
    decision = decide(TraitField("f", type_, "plain", strategy, **kw), observations, SCHEMA)
    assert decision is not None
    return decision


def ranking(decision: Decision) -> list[tuple[Any, str, float]]:
    return [(c.value, c.source, round(c.weight, 9)) for c in decision.candidates]


def test_highest_weight_ranks_by_trust_confidence_and_decay() -> None:
    decision = run(
        "highest_weight",
        [
            obs("Ann", "web", 10),  # 0.6 x 1 x 1
            obs("Anne", "crm", 0),  # 0.9 x 1 x 0.5 (one half-life older than the newest)
            obs("Annie", "import", 10, confidence=0.5),  # 0.8 x 0.5 x 1
        ],
    )
    assert decision.winner == decision.candidates[0]
    assert decision.strategy == "highest_weight"
    assert ranking(decision) == [
        ("Ann", "web", 0.6),
        ("Anne", "crm", 0.45),
        ("Annie", "import", 0.4),
    ]


def test_decay_halves_the_weight_at_one_half_life() -> None:
    decision = run("highest_weight", [obs("new", "crm", 25), obs("old", "crm", 15)])
    new, old = decision.candidates
    assert old.weight == pytest.approx(new.weight / 2)
    per_field = run(
        "highest_weight", [obs("new", "crm", 25), obs("old", "crm", 20)], half_life_days=5
    )
    assert per_field.candidates[1].weight == pytest.approx(0.45)


def test_manual_beats_other_sources_by_default_trust() -> None:
    decision = run("highest_weight", [obs("Jane", "crm"), obs("Janet", "manual"), obs("J", "web")])
    assert ranking(decision) == [("Janet", "manual", 1.0), ("Jane", "crm", 0.9), ("J", "web", 0.6)]


def test_trust_overrides_apply_to_their_field_only() -> None:
    decision = run("highest_weight", [obs("a", "crm"), obs("b", "web")], trust_overrides={"web": 1})
    assert decision.winner.value == "b"


def test_most_recent_wins_despite_lower_weight() -> None:
    decision = run(
        "most_recent", [obs("old", "manual", 1), obs("new", "web", 3), obs("mid", "crm", 2)]
    )
    assert [c.value for c in decision.candidates] == ["new", "mid", "old"]
    assert decision.winner.source == "web"


def test_first_seen_uses_the_earliest_first_sighting() -> None:
    decision = run(
        "first_seen",
        [
            obs("2020", "web", 9, first_day=1),
            obs("2021", "manual", 2),
            obs("2019", "import", 5, first_day=3),
        ],
    )
    assert [c.value for c in decision.candidates] == ["2020", "2021", "2019"]
    assert decision.winner.first_at == T0 + DAY
    assert decision.winner.at == T0 + 9 * DAY


def test_most_frequent_sums_counts_across_sources_and_identifiers() -> None:
    decision = run(
        "most_frequent",
        [
            obs("gold", "web", count=2),
            obs("gold", "import", identifier="id2"),
            obs("silver", "manual", count=2),
            obs("bronze", "crm", count=1),
        ],
    )
    assert [(c.value, c.count) for c in decision.candidates] == [
        ("gold", 3),
        ("silver", 2),
        ("bronze", 1),
    ]
    gold = decision.winner
    assert (gold.source, gold.weight) == ("import", 0.8)  # the best observation speaks for it
    assert gold.observation_ids == ('f|id1|web|"gold"', 'f|id2|import|"gold"')


def test_source_priority_listed_first_then_by_trust_then_weight() -> None:
    decision = run(
        "source_priority",
        [
            obs("pro", "web", 5),
            obs("free", "manual", 5),
            obs("team", "billing", 0, confidence=0.1),
            obs("trial", "crm", 5),
        ],
        source_priority=("billing", "web"),
    )
    # billing, web (listed); then manual (1.0) before crm (0.9) by trust.
    assert [c.value for c in decision.candidates] == ["team", "pro", "free", "trial"]
    assert decision.winner.source == "billing"


def test_source_priority_reports_the_best_source_of_a_value() -> None:
    decision = run(
        "source_priority",
        [obs("pro", "web", 5), obs("pro", "billing", 0, confidence=0.2), obs("free", "crm", 5)],
        source_priority=("billing",),
    )
    assert (decision.winner.value, decision.winner.source) == ("pro", "billing")
    assert decision.winner.weight == 0.6  # the value's best weight, from web


def test_ties_break_by_weight_then_time_then_value_id() -> None:
    same = run("highest_weight", [obs("b", "crm"), obs("a", "crm")])
    assert [c.value for c in same.candidates] == ["a", "b"]
    # Equal weights (1.0 x 0.5 x 1 and 1.0 x 1 x 0.5): the later one wins over the smaller id.
    later = run("highest_weight", [obs("a", "manual", 0), obs("z", "manual", 10, confidence=0.5)])
    assert later.candidates[0].weight == later.candidates[1].weight == 0.5
    assert [c.value for c in later.candidates] == ["z", "a"]
    frequent = run("most_frequent", [obs("a", "web"), obs("b", "crm"), obs("c", "crm", -10)])
    assert [c.value for c in frequent.candidates] == ["b", "a", "c"]
    recent = run("most_recent", [obs("a", "web"), obs("b", "crm")])
    assert [c.value for c in recent.candidates] == ["b", "a"]


def test_union_keeps_every_item_ranked_and_the_sorted_union_wins() -> None:
    decision = run(
        "union",
        [
            obs(["vip", "beta"], "crm", 10),
            obs(["beta", "early"], "web", 10, identifier="id2"),
            obs([], "manual", 0),
        ],
    )
    winner = decision.winner
    assert winner.value == ("beta", "early", "vip")
    assert winner.value_id == canonical_json(["beta", "early", "vip"])
    assert (winner.source, winner.count, len(winner.observation_ids)) == ("crm", 3, 3)
    assert ranking(decision) == [("beta", "crm", 0.9), ("vip", "crm", 0.9), ("early", "web", 0.6)]
    assert decision.candidates[0].count == 2


def test_union_of_empty_lists_is_empty() -> None:
    decision = run("union", [obs([], "web")])
    assert (decision.winner.value, decision.candidates) == ((), ())


def test_union_needs_values() -> None:
    with pytest.raises(TraitError, match="f: a union needs the values"):
        run("union", [obs(["a"], "web", sealed=True)])


def test_sealed_personal_values_are_decided_by_id() -> None:
    decision = run("highest_weight", [obs("a@x.io", "crm", sealed=True), obs("b@x.io", "web")])
    assert decision.winner.value is None
    assert decision.winner.value_id == canonical_json("a@x.io")
    assert decision.candidates[1].value == "b@x.io"


def test_decide_ignores_other_fields_and_returns_none_without_observations() -> None:
    field = TraitField("f", "string", "plain")
    assert decide(field, [obs("x", "web", field="g")], SCHEMA) is None
    decision = decide(field, [obs("x", "web", 0), obs("y", "web", 50, field="g")], SCHEMA)
    assert decision is not None and decision.winner.weight == 0.6  # g's newer time is ignored


def test_aggregate_folds_sightings_of_one_key() -> None:
    first = obs("x", "web", 1, confidence=0.5)
    last = obs("x", "web", 3, confidence=0.25, count=2)
    (row,) = aggregate([last, first])
    assert (row.count, row.first_at, row.at, row.confidence) == (3, first.at, last.at, 0.5)
    assert aggregate([first, obs("x", "web", identifier="id2")]) != (row,)
    with pytest.raises(TraitError, match="different keys"):
        first.merge(obs("y", "web"))


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"confidence": 0}, "confidence"),
        ({"confidence": 1.5}, "confidence"),
        ({"count": 0}, "count"),
        ({"source": ""}, "source"),
        ({"first_at": T0 + 1}, "first_at"),
        ({"at": float("nan")}, "at"),
    ],
)
def test_observation_validation(change: dict[str, Any], key: str) -> None:
    fields: dict[str, Any] = {**obs("x", "web").__dict__, **change}
    with pytest.raises(TraitError, match=f"observation.{key}"):
        Observation(**fields)


def test_golden_record_applies_the_undeclared_policy() -> None:
    email = TraitField("email", "string", "personal", "most_recent")
    observations = [
        obs("a@x.io", "web", 1, field="email", sealed=True),
        obs("b@x.io", "crm", 0, field="email", sealed=True),
        obs("red", "web", field="colour"),
        obs(["cat"], "web", field="pets"),
    ]
    dropped = golden_record(TraitSchema(fields=(email,)), observations)
    assert list(dropped) == ["email"]
    assert dropped["email"].winner.value_id == canonical_json("a@x.io")
    plain = golden_record(TraitSchema(fields=(email,), undeclared="plain"), observations)
    assert sorted(plain) == ["colour", "email", "pets"]
    assert plain["pets"].strategy == "union" and plain["pets"].winner.value == ("cat",)
    assert plain["colour"].winner == Candidate(
        canonical_json("red"), "red", "web", T0, T0, 0.5, 1, ('colour|id1|web|"red"',), trust=0.5
    )


# ---- properties: the record is a function of the set of sightings --------------------------

PROPERTY_SCHEMA = TraitSchema(
    fields=(
        TraitField("hw", "string", "personal", "highest_weight"),
        TraitField("mr", "string", "plain", "most_recent"),
        TraitField("sp", "string", "plain", "source_priority", source_priority=("crm", "web")),
        TraitField("mf", "number", "plain", "most_frequent", half_life_days=1),
        TraitField("fs", "string", "plain", "first_seen"),
        TraitField("tags", "list", "plain", "union"),
    ),
    undeclared="plain",
    source_trust={"crm": 0.9, "web": 0.5, "import": 0.5},
    half_life_days=3,
)
FIELDS = ("hw", "mr", "sp", "mf", "fs", "tags", "extra")
PROPERTY_SETTINGS = settings(max_examples=300, deadline=None)


@st.composite
def sightings(draw: st.DrawFn) -> Observation:
    field = draw(st.sampled_from(FIELDS))
    if field == "tags":
        value: Any = coerce(
            TraitField("t", "list", "plain", "union"),
            draw(st.lists(st.sampled_from(["a", "b", "c", 1]), max_size=3)),
        )
    elif field == "mf":
        value = draw(st.sampled_from([1, 2, 3.5]))
    else:
        value = draw(st.sampled_from(["x", "y", "z"]))
    source = draw(st.sampled_from(["manual", "crm", "web", "import", "pos"]))
    identifier = draw(st.sampled_from(["u1", "u2", "e1"]))
    at = T0 + draw(st.integers(0, 8)) * DAY / 2
    value_id = canonical_json(value)
    return Observation(
        field=field,
        value_id=value_id,
        value=None if field == "hw" and draw(st.booleans()) else value,
        source=source,
        at=at,
        confidence=draw(st.sampled_from([0.25, 0.5, 1.0])),
        count=draw(st.integers(1, 3)),
        first_at=at - draw(st.integers(0, 3)) * DAY,
        identifier=identifier,
        observation_id=draw(st.sampled_from(["o1", "o2", "o3"])) + value_id,
        event_id=draw(st.sampled_from(["", "ev1", "ev2"])),
    )


SIGHTINGS = st.lists(sightings(), min_size=1, max_size=25)


@PROPERTY_SETTINGS
@given(SIGHTINGS, st.data())
def test_any_arrival_order_gives_the_same_golden_record(
    observations: list[Observation], data: st.DataObject
) -> None:
    expected = golden_record(PROPERTY_SCHEMA, observations)
    shuffled = data.draw(st.permutations(observations))
    assert golden_record(PROPERTY_SCHEMA, shuffled) == expected
    for decision in expected.values():
        ranks = decision.candidates
        assert len({c.value_id for c in ranks}) == len(ranks)
        if decision.strategy != "union":
            assert decision.winner == ranks[0]


@PROPERTY_SETTINGS
@given(SIGHTINGS, st.data())
def test_splitting_and_merging_aggregates_gives_the_same_decisions(
    observations: list[Observation], data: st.DataObject
) -> None:
    sides = data.draw(
        st.lists(st.booleans(), min_size=len(observations), max_size=len(observations))
    )
    left = aggregate(o for o, side in zip(observations, sides, strict=True) if side)
    right = aggregate(o for o, side in zip(observations, sides, strict=True) if not side)
    whole = golden_record(PROPERTY_SCHEMA, observations)
    assert golden_record(PROPERTY_SCHEMA, right + left) == whole
    assert golden_record(PROPERTY_SCHEMA, aggregate(observations)) == whole
    assert aggregate(left + right) == aggregate(observations)
