"""Survivorship weighed by bonds: evidence counts as much as its identifier is bound to the
profile (trust x confidence x bond x decay)."""

from __future__ import annotations

from typing import Any

import pytest

from app.domain.traits import (
    MANUAL,
    Observation,
    Strategy,
    TraitField,
    TraitSchema,
    canonical_json,
    decide,
    golden_record,
)

DAY = 86_400.0
T0 = 1_700_000_000.0
SCHEMA = TraitSchema(fields=(), source_trust={"web": 0.5, "crm": 0.9}, half_life_days=180)
LOGIN, DEVICE = "user_id:u", "device_id:d"
#: The device joined through an anonymous id: co-occurrence 0.6 x identify 0.9.
BONDS = {LOGIN: 1.0, DEVICE: 0.54}


def obs(value: Any, identifier: str, day: float = 0, source: str = "web") -> Observation:
    vid = canonical_json(value)
    return Observation(
        field="company",
        value_id=vid,
        value=value,
        source=source,
        at=T0 + day * DAY,
        confidence=1.0,
        count=1,
        first_at=T0 + day * DAY,
        identifier=identifier,
        observation_id=f"{identifier}|{source}|{vid}",
    )


def field(strategy: Strategy = "highest_weight") -> TraitField:
    return TraitField("company", "string", "plain", strategy)


def test_a_weakly_bonded_value_loses_to_the_same_age_value_of_the_login() -> None:
    # "Aardvark" sorts first: without bonds the tie would go to it.
    rows = [obs("Aardvark", DEVICE), obs("Zenith", LOGIN)]
    unbonded = decide(field(), rows, SCHEMA)
    assert unbonded is not None and unbonded.winner.value == "Aardvark"
    decision = decide(field(), rows, SCHEMA, BONDS)
    assert decision is not None and decision.winner.value == "Zenith"
    weak = decision.candidates[1]
    assert (weak.value, weak.trust, weak.bond, weak.decay) == ("Aardvark", 0.5, 0.54, 1.0)
    assert weak.weight == pytest.approx(0.5 * 0.54)
    assert (decision.winner.weight, decision.winner.bond) == (0.5, 1.0)
    # A bond never reaches above the anchor's: identified directly (0.9), still 0.45 < 0.5.
    direct = decide(field(), rows, SCHEMA, {**BONDS, DEVICE: 0.9})
    assert direct is not None and direct.winner.value == "Zenith"


def test_bond_and_decay_trade_off() -> None:
    # The device's value is 60 days newer: the login's decays to 0.5 ** (60/180) = 0.794.
    rows = [obs("Zenith", LOGIN, 0), obs("Aardvark", DEVICE, 60)]
    weak = decide(field(), rows, SCHEMA, BONDS)
    assert weak is not None and weak.winner.value == "Zenith"
    assert weak.winner.decay == pytest.approx(0.5 ** (1 / 3))
    # Once the device is identified with the login directly (identify, 0.9), it wins.
    strong = decide(field(), rows, SCHEMA, {**BONDS, DEVICE: 0.9})
    assert strong is not None and strong.winner.value == "Aardvark"
    assert strong.winner.weight == pytest.approx(0.5 * 0.9)


def test_a_manual_edit_is_bonded_in_full_wherever_it_hangs() -> None:
    rows = [obs("Manual Co", DEVICE, source=MANUAL), obs("Tracked", LOGIN, source="crm")]
    decision = decide(field(), rows, SCHEMA, {DEVICE: 0.1, LOGIN: 1.0})
    assert decision is not None and decision.winner.value == "Manual Co"
    assert (decision.winner.bond, decision.winner.weight) == (1.0, 1.0)


def test_identifiers_the_bonds_do_not_name_count_in_full() -> None:
    rows = [obs("Aardvark", "anonymous_id:elsewhere"), obs("Zenith", LOGIN)]
    decision = decide(field(), rows, SCHEMA, BONDS)
    assert decision is not None and decision.winner.value == "Aardvark"
    assert [c.bond for c in decision.candidates] == [1.0, 1.0]


def test_without_bonds_the_weights_are_as_before_to_the_bit() -> None:
    rows = [obs("Zenith", LOGIN, 0, "crm"), obs("Aardvark", DEVICE, 33)]
    decision = decide(field(), rows, SCHEMA)
    assert decision is not None
    expected = {"Zenith": 0.9 * 1.0 * 0.5 ** (33 / 180), "Aardvark": 0.5 * 1.0 * 1.0}
    assert {c.value: c.weight for c in decision.candidates} == expected


def test_the_factors_are_those_of_the_heaviest_observation() -> None:
    # One value seen on both identifiers: the login's sighting is the heavier one.
    rows = [obs("Acme", DEVICE, 10), obs("Acme", LOGIN, 0)]
    decision = decide(field(), rows, SCHEMA, BONDS)
    assert decision is not None
    winner = decision.winner
    assert winner.bond == 1.0 and winner.decay == pytest.approx(0.5 ** (10 / 180))
    assert winner.weight == winner.trust * winner.bond * winner.decay


def test_ordering_strategies_still_decide_first_and_bonds_only_break_ties() -> None:
    rows = [obs("Old", LOGIN, 0), obs("New", DEVICE, 1)]
    decision = decide(field("most_recent"), rows, SCHEMA, {DEVICE: 0.01})
    assert decision is not None and decision.winner.value == "New"
    tie = [obs("Aardvark", DEVICE, 1), obs("Zenith", LOGIN, 1)]
    decision = decide(field("most_recent"), tie, SCHEMA, BONDS)
    assert decision is not None and decision.winner.value == "Zenith"


def test_golden_records_pass_the_bonds_to_every_field() -> None:
    schema = TraitSchema(
        fields=(field(), TraitField("title", "string", "plain", "highest_weight")),
        source_trust={"web": 0.5},
    )
    title = [
        Observation("title", '"CEO"', "CEO", "web", T0, 1.0, 1, T0, DEVICE, "t1"),
        Observation("title", '"CTO"', "CTO", "web", T0, 1.0, 1, T0, LOGIN, "t2"),
    ]
    record = golden_record(schema, [obs("Aardvark", DEVICE), obs("Zenith", LOGIN), *title], BONDS)
    assert {name: d.winner.value for name, d in record.items()} == {
        "company": "Zenith",
        "title": "CTO",
    }
