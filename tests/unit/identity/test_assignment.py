"""Profile-id decisions after a recompute: merges keep the oldest, splits keep the majority."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest

from app.domain.identity import Assignment, Merge, Split, assign


def ids() -> Callable[[], str]:
    counter = itertools.count(1)
    return lambda: f"N{next(counter)}"


def run(clusters: list[set[str]], current: dict[str, str], created: dict[str, float]) -> Assignment:
    return assign([frozenset(c) for c in clusters], current, created, ids())


def test_merge_keeps_the_oldest_profile() -> None:
    result = run([{"a", "b", "c"}], {"a": "P1", "b": "P2"}, {"P1": 20.0, "P2": 10.0})
    assert result.profile_of_cluster == ("P2",)
    assert result.merges == (Merge("P1", "P2"),)
    assert result.created == ()
    assert result.splits == ()
    assert dict(result.moves) == {"a": "P2", "c": "P2"}


def test_merge_tie_on_created_at_keeps_smallest_id() -> None:
    result = run(
        [{"a", "b", "c"}], {"a": "P9", "b": "P3", "c": "P5"}, {"P9": 1.0, "P3": 1.0, "P5": 1.0}
    )
    assert result.profile_of_cluster == ("P3",)
    assert result.merges == (Merge("P5", "P3"), Merge("P9", "P3"))


def test_split_gives_the_majority_cluster_the_old_id() -> None:
    current = {"a": "P", "b": "P", "c": "P"}
    result = run([{"c"}, {"a", "b"}], current, {"P": 1.0})
    assert result.profile_of_cluster == ("N1", "P")
    assert result.created == ("N1",)
    assert result.splits == (Split("P", "N1"),)
    assert result.merges == ()
    assert dict(result.moves) == {"c": "N1"}


def test_split_tie_goes_to_the_cluster_with_the_smallest_key() -> None:
    result = run([{"y"}, {"x"}], {"x": "P", "y": "P"}, {"P": 1.0})
    assert result.profile_of_cluster == ("N1", "P")
    assert result.splits == (Split("P", "N1"),)


def test_new_identifiers_get_a_new_profile() -> None:
    result = run([{"k1", "k2"}, {"k0"}], {}, {})
    assert result.profile_of_cluster == ("N2", "N1")  # ids handed out by smallest key
    assert result.created == ("N1", "N2")
    assert result.splits == ()
    assert dict(result.moves) == {"k0": "N1", "k1": "N2", "k2": "N2"}


def test_new_identifier_joining_a_profile_is_a_move_only() -> None:
    result = run([{"a", "new"}], {"a": "P"}, {"P": 5.0})
    assert result.profile_of_cluster == ("P",)
    assert result.created == ()
    assert dict(result.moves) == {"new": "P"}


def test_unchanged_component_changes_nothing() -> None:
    current = {"a": "P", "b": "P", "c": "Q"}
    result = run([{"a", "b"}, {"c"}], current, {"P": 1.0, "Q": 2.0})
    assert result.profile_of_cluster == ("P", "Q")
    assert (result.merges, result.created, result.splits) == ((), (), ())
    assert dict(result.moves) == {}


def test_split_and_merge_in_one_recompute() -> None:
    # P = {a, b, c}, Q = {d}; recompute says {a, b, d} and {c}
    current = {"a": "P", "b": "P", "c": "P", "d": "Q"}
    result = run([{"a", "b", "d"}, {"c"}], current, {"P": 2.0, "Q": 1.0})
    assert result.profile_of_cluster == ("Q", "N1")
    assert result.merges == (Merge("P", "Q"),)
    assert result.splits == (Split("P", "N1"),)
    assert dict(result.moves) == {"a": "Q", "b": "Q", "c": "N1"}


def test_invalid_inputs_rejected() -> None:
    with pytest.raises(ValueError, match="two clusters"):
        run([{"a"}, {"a", "b"}], {}, {})
    with pytest.raises(ValueError, match="empty"):
        run([set()], {}, {})
    with pytest.raises(ValueError, match="created_at"):
        run([{"a"}], {"a": "P"}, {})
    with pytest.raises(ValueError, match="already in use"):
        assign([frozenset({"a"}), frozenset({"b"})], {"a": "N1"}, {"N1": 1.0}, ids())
