"""Bonds: the anchor of a profile and each identifier's strongest chain of followed evidence."""

from __future__ import annotations

import itertools
import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.identity import (
    Evidence,
    IdentityRules,
    Link,
    Node,
    aggregate,
    anchor,
    cluster,
    cluster_bonds,
    profile_bonds,
)

RULES = IdentityRules()
W = RULES.link_weights  # identify 0.9, co_occurrence 0.6, manual_merge 1.0, import 0.8


def node(
    key: str, first_seen: float = 0.0, *, blocked: bool = False, generic: bool = False
) -> Node:
    """Keys are written type:name, so the type is read off the key."""
    return Node(key, key.split(":")[0], first_seen, blocked, generic)


def test_the_anchor_is_the_highest_priority_type_then_the_oldest_then_the_smallest_key() -> None:
    members = [node("anonymous_id:A", 0), node("email:e", 5), node("device_id:D", 1)]
    assert anchor(members, RULES) == node("email:e", 5)
    assert anchor([*members, node("user_id:U", 9)], RULES) == node("user_id:U", 9)
    two = [node("email:z", 1), node("email:y", 2), node("email:x", 2)]
    assert anchor(two, RULES) == node("email:z", 1)
    assert anchor(two[1:], RULES) == node("email:x", 2)
    assert anchor([], RULES) is None


def test_a_blocked_or_generic_identifier_anchors_only_a_profile_of_its_own() -> None:
    members = [node("user_id:U", blocked=True), node("email:e", generic=True), node("phone:p")]
    assert anchor(members, RULES) == node("phone:p")
    assert anchor(members[:2], RULES) == node("user_id:U", blocked=True)


def test_the_type_priority_of_the_rules_decides_the_anchor() -> None:
    rules = IdentityRules(type_priority=("email", "user_id", "phone", "device_id", "anonymous_id"))
    members = [node("user_id:U"), node("email:e", 3)]
    assert anchor(members, rules) == node("email:e", 3)


def test_a_bond_is_the_product_of_the_rule_weights_along_the_chain() -> None:
    # The login (anchor), an anonymous id it was identified with, a device seen beside that.
    members = [node("user_id:U"), node("anonymous_id:A"), node("device_id:D")]
    links = [
        Link("anonymous_id:A", "user_id:U", "identify"),
        Link("anonymous_id:A", "device_id:D", "co_occurrence"),
    ]
    assert profile_bonds(members, links, RULES) == {
        "user_id:U": 1.0,
        "anonymous_id:A": 0.9,
        "device_id:D": pytest.approx(0.54),
    }


def test_the_strongest_product_wins_not_the_fewest_hops_nor_the_strongest_weakest_link() -> None:
    members = [node("user_id:U"), node("email:e"), node("phone:p"), node("device_id:D")]
    chain = [
        Link("email:e", "user_id:U", "identify"),
        Link("email:e", "phone:p", "identify"),
        Link("device_id:D", "phone:p", "identify"),
    ]
    # Three identify hops (0.729, weakest link 0.9) against import then manual merge (0.8,
    # weakest link 0.8) and a direct co-occurrence (0.6, one hop).
    other = [
        Link("user_id:U", "anonymous_id:A", "manual_merge"),
        Link("anonymous_id:A", "device_id:D", "import"),
    ]
    direct = [Link("device_id:D", "user_id:U", "co_occurrence")]
    found = profile_bonds([*members, node("anonymous_id:A")], chain + other + direct, RULES)
    assert found["device_id:D"] == pytest.approx(0.8)
    assert profile_bonds(members, chain + direct, RULES)["device_id:D"] == pytest.approx(0.729)
    assert profile_bonds(members, direct, RULES)["device_id:D"] == pytest.approx(0.6)


def test_of_several_links_between_one_pair_the_strongest_counts() -> None:
    members = [node("user_id:U"), node("device_id:D")]
    links = [
        Link("device_id:D", "user_id:U", "co_occurrence"),
        Link("device_id:D", "user_id:U", "identify"),
    ]
    assert profile_bonds(members, links, RULES)["device_id:D"] == 0.9


def test_weights_are_the_configured_rule_weights() -> None:
    members = [node("user_id:U"), node("device_id:D")]
    links = [Link("device_id:D", "user_id:U", "co_occurrence")]
    rules = IdentityRules(link_weights={**W, "co_occurrence": 0.25})
    assert profile_bonds(members, links, rules)["device_id:D"] == 0.25


def test_no_chain_through_a_blocked_identifier_and_unreached_members_get_zero() -> None:
    members = [node("user_id:U"), node("email:e", blocked=True), node("device_id:D")]
    links = [Link("email:e", "user_id:U", "identify"), Link("device_id:D", "email:e", "identify")]
    assert profile_bonds(members, links, RULES) == {
        "user_id:U": 1.0,
        "email:e": 0.0,
        "device_id:D": 0.0,
    }


def test_links_to_identifiers_outside_the_profile_are_not_walked() -> None:
    members = [node("user_id:U"), node("device_id:D")]
    links = [
        Link("elsewhere:x", "user_id:U", "identify"),
        Link("device_id:D", "elsewhere:x", "identify"),
    ]
    assert profile_bonds(members, links, RULES) == {"user_id:U": 1.0, "device_id:D": 0.0}
    assert profile_bonds([], links, RULES) == {}


def test_a_link_cannot_loop() -> None:
    with pytest.raises(ValueError, match="itself"):
        Link("user_id:U", "user_id:U", "identify")


def test_cluster_bonds_follow_only_the_accepted_evidence_of_each_cluster() -> None:
    # One user id per profile: the device joins U1 (the stronger link); U2 stays alone and the
    # refused edge is no chain for anyone.
    nodes = [node("user_id:U1"), node("user_id:U2"), node("device_id:D"), node("anonymous_id:A")]
    evidence = [
        Evidence("device_id:D", "user_id:U1", "identify", W["identify"], 1.0),
        Evidence("device_id:D", "user_id:U2", "co_occurrence", W["co_occurrence"], 1.0),
        Evidence("anonymous_id:A", "device_id:D", "co_occurrence", W["co_occurrence"], 2.0),
    ]
    clustering = cluster(nodes, aggregate(evidence), [], RULES)
    assert len(clustering.clusters) == 2
    assert cluster_bonds(clustering, nodes, RULES) == {
        "user_id:U1": 1.0,
        "device_id:D": 0.9,
        "anonymous_id:A": pytest.approx(0.54),
        "user_id:U2": 1.0,
    }


def _brute_force(members: list[Node], links: list[Link]) -> dict[str, float]:
    """The best product over every simple path from the anchor, by enumeration."""
    start = anchor(members, RULES)
    assert start is not None
    weight: dict[frozenset[str], float] = {}
    for link in links:
        pair = frozenset((link.a, link.b))
        weight[pair] = max(weight.get(pair, 0.0), W[link.rule])
    keys = [n.key for n in members if n.key != start.key]
    best = {n.key: 0.0 for n in members} | {start.key: 1.0}
    for size in range(1, len(keys) + 1):
        for path in itertools.permutations(keys, size):
            hops = list(zip((start.key, *path[:-1]), path, strict=True))
            if all(frozenset(h) in weight for h in hops):
                product = math.prod(weight[frozenset(h)] for h in hops)
                best[path[-1]] = max(best[path[-1]], product)
    return best


@st.composite
def small_profiles(draw: st.DrawFn) -> tuple[list[Node], list[Link]]:
    types = ["user_id", "email", "device_id", "anonymous_id"]
    count = draw(st.integers(1, 6))
    members = [
        node(f"{draw(st.sampled_from(types))}:{i}", draw(st.integers(0, 3))) for i in range(count)
    ]
    pairs = [(a.key, b.key) for a, b in itertools.combinations(members, 2)]
    chosen = draw(st.lists(st.sampled_from(pairs), max_size=10)) if pairs else []
    rules = st.sampled_from(sorted(W))
    return members, [Link(a, b, draw(rules)) for a, b in chosen]


@settings(max_examples=200, deadline=None)
@given(profile=small_profiles(), seed=st.integers(0, 2**32 - 1))
def test_bonds_are_the_best_chain_products_whatever_the_order(
    profile: tuple[list[Node], list[Link]], seed: int
) -> None:
    members, links = profile
    found = profile_bonds(members, links, RULES)
    expected = _brute_force(members, links)
    assert found.keys() == expected.keys()
    for key, bond in expected.items():
        assert found[key] == pytest.approx(bond, rel=1e-12)
    shuffled, flipped = list(members), [Link(x.b, x.a, x.rule) for x in links]
    random.Random(seed).shuffle(shuffled)
    random.Random(seed).shuffle(flipped)
    assert profile_bonds(shuffled, flipped, RULES) == found
