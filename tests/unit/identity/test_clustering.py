"""Scenario tests for canonical-order constrained clustering."""

from __future__ import annotations

import pytest

from app.domain.identity import (
    Clustering,
    Eviction,
    Evidence,
    IdentityRules,
    Node,
    Refusal,
    aggregate,
    cluster,
    component_keys,
    explain_path,
)

RULES = IdentityRules()
W = RULES.link_weights


def node(key: str, first_seen: float = 0.0, blocked: bool = False) -> Node:
    """Keys are written type:name, so the type is read off the key."""
    return Node(key, key.split(":")[0], first_seen, blocked)


def edge(a: str, b: str, rule: str = "identify", at: float = 0.0, count: int = 1) -> Evidence:
    return Evidence(a, b, rule, W[rule], at, count)


def parts(result: Clustering) -> set[frozenset[str]]:
    return set(result.clusters)


def test_anonymous_then_login_joins() -> None:
    nodes = [node("anonymous_id:A", 1), node("user_id:U1", 2)]
    result = cluster(nodes, [edge("anonymous_id:A", "user_id:U1", at=5)], [], RULES)
    assert result.clusters == (frozenset({"anonymous_id:A", "user_id:U1"}),)
    assert result.refused == ()
    assert result.cluster_of == {"anonymous_id:A": 0, "user_id:U1": 0}


@pytest.mark.parametrize(("t1", "t2", "winner"), [(10, 5, "user_id:U2"), (5, 10, "user_id:U1")])
def test_family_device_never_merges_two_users(t1: float, t2: float, winner: str) -> None:
    nodes = [node("device_id:D"), node("user_id:U1"), node("user_id:U2")]
    rows = [
        edge("device_id:D", "user_id:U1", "co_occurrence", at=t1),
        edge("device_id:D", "user_id:U2", "co_occurrence", at=t2),
    ]
    loser = "user_id:U1" if winner == "user_id:U2" else "user_id:U2"
    for ordered in (rows, rows[::-1]):
        result = cluster(nodes[::-1], ordered, [], RULES)
        assert parts(result) == {frozenset({"device_id:D", winner}), frozenset({loser})}
        assert result.refused == (
            Refusal("device_id:D", loser, "co_occurrence", "type_cap:user_id"),
        )


def test_device_tie_is_broken_by_keys() -> None:
    nodes = [node("device_id:D"), node("user_id:U1"), node("user_id:U2")]
    rows = [edge("device_id:D", u, "co_occurrence", at=7) for u in ("user_id:U2", "user_id:U1")]
    result = cluster(nodes, rows, [], RULES)
    assert frozenset({"device_id:D", "user_id:U1"}) in result.clusters


def test_stronger_rule_beats_earlier_weaker_one() -> None:
    nodes = [node("anonymous_id:A"), node("user_id:U1"), node("user_id:U2")]
    rows = [
        edge("anonymous_id:A", "user_id:U1", "co_occurrence", at=1),
        edge("anonymous_id:A", "user_id:U2", "identify", at=9),
    ]
    result = cluster(nodes, rows, [], RULES)
    assert frozenset({"anonymous_id:A", "user_id:U2"}) in result.clusters


def test_shared_email_becomes_generic_and_bridges_nothing() -> None:
    users = [f"user_id:U{i:02d}" for i in range(30)]
    nodes = [node("email:shared"), *map(node, users)]
    rows = [edge("email:shared", u, "co_occurrence", at=i) for i, u in enumerate(users)]
    result = cluster(nodes, rows, [], RULES)
    assert result.generic == frozenset({"email:shared"})
    assert all(len(c) == 1 for c in result.clusters)
    assert len(result.clusters) == 31
    assert {r.reason for r in result.refused} == {"generic"}
    assert len(result.refused) == 30


def test_degree_at_the_limit_is_not_generic() -> None:
    anons = [f"anonymous_id:A{i:02d}" for i in range(25)]
    nodes = [node("user_id:U"), *map(node, anons)]
    result = cluster(nodes, [edge("user_id:U", a) for a in anons], [], RULES)
    assert result.generic == frozenset()
    assert len(result.clusters) == 1


def test_alias_chain_resolves_to_one_cluster() -> None:
    nodes = [node("anonymous_id:A1"), node("anonymous_id:A2"), node("user_id:U")]
    rows = [
        edge("anonymous_id:A1", "anonymous_id:A2", "alias", at=1),
        edge("anonymous_id:A2", "user_id:U", "identify", at=2),
    ]
    result = cluster(nodes, rows, [], RULES)
    assert result.clusters == (frozenset(n.key for n in nodes),)
    path = explain_path("anonymous_id:A1", "user_id:U", result)
    assert path == [rows[0], rows[1]]


def test_never_pair_stays_apart_even_with_strong_evidence() -> None:
    nodes = [node("user_id:U"), node("email:E"), node("anonymous_id:A")]
    rows = [
        edge("user_id:U", "email:E", "manual_merge", at=1),
        edge("anonymous_id:A", "email:E", "identify", at=2),
        edge("anonymous_id:A", "user_id:U", "identify", at=3),
    ]
    result = cluster(nodes, rows, [("email:E", "user_id:U")], RULES)
    assert result.cluster_of["user_id:U"] != result.cluster_of["email:E"]
    assert {r.reason for r in result.refused} == {"never"}
    assert len(result.refused) == 2  # the direct link and the detour through A
    assert explain_path("user_id:U", "email:E", result) is None


def test_total_cap_evicts_oldest_anonymous_ids() -> None:
    rules = IdentityRules(total_cap=4)
    anons = [f"anonymous_id:A{i}" for i in range(1, 6)]
    nodes = [node("user_id:U", 0), *(node(a, first_seen=i) for i, a in enumerate(anons, 1))]
    rows = [edge("user_id:U", a, at=10 + i) for i, a in enumerate(anons)]
    result = cluster(nodes, rows, [], rules)
    assert frozenset({"user_id:U", "anonymous_id:A3", "anonymous_id:A4", "anonymous_id:A5"}) in (
        result.clusters
    )
    assert result.evicted == (Eviction("anonymous_id:A1"), Eviction("anonymous_id:A2"))
    assert {(r.b, r.reason) for r in result.refused} == {("user_id:U", "total_cap")}
    assert len(result.refused) == 2


def test_eviction_skips_an_anonymous_id_that_bridges_others() -> None:
    rules = IdentityRules(total_cap=3)
    nodes = [
        node("user_id:U"),
        node("anonymous_id:Aold", 1),
        node("anonymous_id:Amid", 2),
        node("anonymous_id:Anew", 3),
    ]
    rows = [
        edge("user_id:U", "anonymous_id:Aold", at=1),
        edge("anonymous_id:Aold", "anonymous_id:Amid", "alias", at=2),
        edge("user_id:U", "anonymous_id:Anew", at=3),
    ]
    result = cluster(nodes, rows, [], rules)
    assert frozenset({"user_id:U", "anonymous_id:Aold", "anonymous_id:Anew"}) in result.clusters
    assert result.evicted == (Eviction("anonymous_id:Amid"),)


def test_total_cap_refuses_when_nothing_can_be_evicted() -> None:
    rules = IdentityRules(total_cap=2)
    nodes = [node("user_id:U"), node("email:E"), node("phone:P")]
    rows = [edge("user_id:U", "email:E", at=1), edge("user_id:U", "phone:P", at=2)]
    result = cluster(nodes, rows, [], rules)
    assert parts(result) == {frozenset({"user_id:U", "email:E"}), frozenset({"phone:P"})}
    assert result.refused == (Refusal("phone:P", "user_id:U", "identify", "total_cap"),)
    assert result.evicted == ()


@pytest.mark.parametrize(("count", "joined"), [(1, False), (2, True), (5, True)])
def test_late_binding_edge_waits_for_threshold(count: int, joined: bool) -> None:
    rules = IdentityRules(late_binding_rules=frozenset({"co_occurrence"}))
    nodes = [node("email:E"), node("phone:P")]
    rows = [edge("email:E", "phone:P", "co_occurrence", count=count)]
    result = cluster(nodes, rows, [], rules)
    assert (len(result.clusters) == 1) is joined
    expected = (
        () if joined else (Refusal("email:E", "phone:P", "co_occurrence", "late_binding_pending"),)
    )
    assert result.refused == expected


def test_blocked_identifier_stays_alone() -> None:
    nodes = [node("user_id:U"), node("anonymous_id:Z", blocked=True), node("email:E")]
    rows = [edge("user_id:U", "anonymous_id:Z"), edge("anonymous_id:Z", "email:E")]
    result = cluster(nodes, rows, [], RULES)
    assert len(result.clusters) == 3
    assert {r.reason for r in result.refused} == {"blocked"}


def test_explain_prefers_the_strongest_chain() -> None:
    nodes = [node("user_id:U"), node("email:E"), node("device_id:D")]
    weak = edge("user_id:U", "email:E", "co_occurrence", at=1)
    via = [edge("user_id:U", "device_id:D", at=2), edge("device_id:D", "email:E", at=3)]
    result = cluster(nodes, [weak, *via], [], RULES)
    assert explain_path("user_id:U", "email:E", result) == via
    assert explain_path("user_id:U", "user_id:U", result) == []
    assert explain_path("user_id:U", "email:nobody", result) is None


def test_evidence_is_undirected_and_validated() -> None:
    assert Evidence("b", "a", "alias", 0.9, 1.0) == Evidence("a", "b", "alias", 0.9, 1.0)
    with pytest.raises(ValueError):
        Evidence("a", "a", "alias", 0.9, 1.0)
    with pytest.raises(ValueError):
        Evidence("a", "b", "alias", float("nan"), 1.0)
    with pytest.raises(ValueError):
        Evidence("a", "b", "alias", 0.9, 1.0, count=0)


def test_bad_inputs_rejected() -> None:
    with pytest.raises(ValueError, match="unknown node"):
        cluster([node("user_id:U")], [edge("user_id:U", "email:E")], [], RULES)
    with pytest.raises(ValueError, match="twice"):
        cluster([node("user_id:U", 1), node("user_id:U", 2)], [], [], RULES)


def test_aggregate_merges_rows_of_one_pair_and_rule() -> None:
    rows = [
        Evidence("a", "b", "identify", 0.8, 5.0, 1),
        Evidence("b", "a", "identify", 0.9, 3.0, 2),
        Evidence("a", "b", "alias", 0.9, 4.0, 1),
    ]
    assert aggregate(rows) == (
        Evidence("a", "b", "identify", 0.9, 3.0, 3),
        Evidence("a", "b", "alias", 0.9, 4.0, 1),
    )


def test_component_keys_follows_all_evidence() -> None:
    rows = [edge("user_id:U", "email:E"), edge("email:E", "phone:P"), edge("device_id:X", "a:Y")]
    assert component_keys(["phone:P"], rows) == {"user_id:U", "email:E", "phone:P"}
    assert component_keys(["lonely:L"], rows) == {"lonely:L"}


def test_a_loyal_user_with_many_sessions_is_not_generic() -> None:
    # A weekly visitor whose browser loses its cookie: a new anonymous id each visit.
    anons = [f"anonymous_id:A{i:02d}" for i in range(RULES.generic_degree + 10)]
    nodes = [node("user_id:U"), *(node(a, first_seen=i) for i, a in enumerate(anons))]
    rows = [edge("user_id:U", a, at=i) for i, a in enumerate(anons)]
    result = cluster(nodes, rows, [], RULES)
    assert result.generic == frozenset()
    assert result.clusters == (frozenset(n.key for n in nodes),)
    assert explain_path("anonymous_id:A00", "user_id:U", result) == [rows[0]]


def test_a_value_shared_by_many_user_ids_is_generic_whatever_sessions_it_has() -> None:
    users = [f"user_id:U{i:02d}" for i in range(RULES.generic_degree + 1)]
    nodes = [node("device_id:kiosk"), node("anonymous_id:A"), *map(node, users)]
    rows = [edge("device_id:kiosk", u, at=i) for i, u in enumerate(users)]
    rows.append(edge("device_id:kiosk", "anonymous_id:A", at=99))
    result = cluster(nodes, rows, [], RULES)
    assert result.generic == frozenset({"device_id:kiosk"})
    assert {r.reason for r in result.refused} == {"generic"}


def test_sessions_over_their_cap_let_the_oldest_go_instead_of_refusing_the_newest() -> None:
    rules = IdentityRules(type_caps={"user_id": 1, "anonymous_id": 3})
    anons = [f"anonymous_id:A{i}" for i in range(1, 6)]
    nodes = [node("user_id:U", 0), *(node(a, first_seen=i) for i, a in enumerate(anons, 1))]
    rows = [edge("user_id:U", a, at=10 + i) for i, a in enumerate(anons)]
    result = cluster(nodes, rows, [], rules)
    assert frozenset({"user_id:U", "anonymous_id:A3", "anonymous_id:A4", "anonymous_id:A5"}) in (
        result.clusters
    )
    assert result.evicted == (
        Eviction("anonymous_id:A1", "type_cap:anonymous_id"),
        Eviction("anonymous_id:A2", "type_cap:anonymous_id"),
    )
    assert {(r.a, r.reason) for r in result.refused} == {
        ("anonymous_id:A1", "type_cap:anonymous_id"),
        ("anonymous_id:A2", "type_cap:anonymous_id"),
    }


DAY = 86_400.0


def visits(every_days: float, n: int) -> tuple[list[Node], list[Evidence]]:
    """A user id logged in from a new browser every `every_days` days, `n` times."""
    anons = [f"anonymous_id:A{i:03d}" for i in range(n)]
    nodes = [node("user_id:U", 0), *(node(a, i * every_days * DAY) for i, a in enumerate(anons))]
    return nodes, [edge("user_id:U", a, at=i * every_days * DAY) for i, a in enumerate(anons)]


def test_a_session_cap_counts_only_the_sessions_of_its_window() -> None:
    """Ten browsers, one every three days, under a cap of three per week: never more than
    three in a week, so the loyal visitor keeps every one, and so does the total cap, which
    counts no retired session either."""
    rules = IdentityRules(
        type_caps={"user_id": 1, "anonymous_id": 3},
        total_cap=4,
        cap_window_days={"anonymous_id": 7},
    )
    nodes, rows = visits(3, 10)
    result = cluster(nodes, rows, [], rules)
    assert len(result.clusters) == 1
    assert (result.evicted, result.refused) == ((), ())
    # Without the window the same visits are over the cap: the oldest seven leave.
    counted = IdentityRules(type_caps={"user_id": 1, "anonymous_id": 3}, cap_window_days={})
    assert len(cluster(nodes, rows, [], counted).evicted) == 7


def test_past_the_cap_within_its_window_the_oldest_of_the_window_leaves() -> None:
    """Retired sessions stay: a burst of five browsers in a day, after four a fortnight
    apart, lets the two oldest of the burst go, not the retired ones."""
    rules = IdentityRules(
        type_caps={"user_id": 1, "anonymous_id": 3}, cap_window_days={"anonymous_id": 7}
    )
    old_nodes, old_rows = visits(14, 4)
    burst = [f"anonymous_id:B{i}" for i in range(5)]
    start = 100 * DAY
    nodes = [*old_nodes, *(node(b, start + i * 3600) for i, b in enumerate(burst))]
    rows = [*old_rows, *(edge("user_id:U", b, at=start + i * 3600) for i, b in enumerate(burst))]
    result = cluster(nodes, rows, [], rules)
    assert result.evicted == (
        Eviction("anonymous_id:B0", "type_cap:anonymous_id"),
        Eviction("anonymous_id:B1", "type_cap:anonymous_id"),
    )
    (person,) = (c for c in result.clusters if "user_id:U" in c)
    assert person == {"user_id:U", *(n.key for n in old_nodes[1:]), *burst[2:]}


def test_a_windowed_cap_of_a_type_that_is_not_a_session_refuses_within_its_window() -> None:
    """Addresses a year apart under a cap of one per half year: each joins; a second within
    the half year is refused, as a plain cap refuses."""
    rules = IdentityRules(type_caps={"user_id": 1, "email": 1}, cap_window_days={"email": 180})
    emails = ["email:E0", "email:E1", "email:E2"]
    times = [0.0, 365 * DAY, 400 * DAY]
    nodes = [node("user_id:U"), *(node(e, t) for e, t in zip(emails, times, strict=True))]
    rows = [edge("user_id:U", e, at=t) for e, t in zip(emails, times, strict=True)]
    result = cluster(nodes, rows, [], rules)
    assert parts(result) == {
        frozenset({"user_id:U", "email:E0", "email:E1"}),
        frozenset({"email:E2"}),
    }
    assert result.refused == (Refusal("email:E2", "user_id:U", "identify", "type_cap:email"),)


def test_session_types_are_configurable() -> None:
    # With no session types, degree counts every neighbour, as a plain degree rule would.
    rules = IdentityRules(session_types=frozenset())
    anons = [f"anonymous_id:A{i:02d}" for i in range(rules.generic_degree + 1)]
    nodes = [node("user_id:U"), *map(node, anons)]
    result = cluster(nodes, [edge("user_id:U", a) for a in anons], [], rules)
    assert result.generic == frozenset({"user_id:U"})


def _junk_user_id_rows(people: int) -> tuple[list[Node], list[Evidence]]:
    """`people` people, each with a user id and a browser that also sent the junk user id."""
    nodes, rows = [node("user_id:junk")], []
    for i in range(people):
        user, anon = f"user_id:U{i:02d}", f"anonymous_id:A{i:02d}"
        nodes += [node(user), node(anon)]
        rows += [edge(anon, "user_id:junk", at=i), edge(anon, user, at=i + 0.5)]
    return nodes, rows


def test_a_user_id_rivalling_many_others_for_their_browsers_is_junk() -> None:
    nodes, rows = _junk_user_id_rows(RULES.generic_rivals + 1)
    result = cluster(nodes, rows, [], RULES)
    assert result.generic == frozenset({"user_id:junk"})
    people = [c for c in result.clusters if "user_id:junk" not in c]
    assert all(len(c) == 2 for c in people)
    assert {r.reason for r in result.refused} == {"generic"}


def test_a_browser_shared_by_a_few_people_marks_nobody_junk() -> None:
    nodes, rows = _junk_user_id_rows(RULES.generic_rivals)
    result = cluster(nodes, rows, [], RULES)
    assert result.generic == frozenset()
    # The earliest link wins each browser; the shared user id keeps one of them.
    assert any(r.reason == "type_cap:user_id" for r in result.refused)


def test_many_sessions_of_one_loyal_user_are_not_rivals() -> None:
    anons = [f"anonymous_id:A{i:02d}" for i in range(30)]
    nodes = [node("user_id:U"), *map(node, anons)]
    result = cluster(nodes, [edge("user_id:U", a) for a in anons], [], RULES)
    assert result.generic == frozenset()


def test_an_alias_from_an_old_user_id_to_a_new_one_is_one_account() -> None:
    nodes = [node(k) for k in ("user_id:old", "user_id:new", "anonymous_id:A1", "anonymous_id:A2")]
    rows = [
        edge("anonymous_id:A1", "user_id:old", at=1),
        edge("user_id:new", "user_id:old", "alias", at=2),
        edge("anonymous_id:A2", "user_id:new", at=3),
    ]
    result = cluster(nodes, rows, [], RULES)
    assert len(result.clusters) == 1
    # Identify evidence between two user ids is no succession: the cap holds.
    identify = [edge("user_id:new", "user_id:old", "identify", at=2)]
    assert len(cluster(nodes[:2], identify, [], RULES).clusters) == 2
    # A third user id meets the cap: the two that succeeded each other count as one.
    third = [*nodes, node("user_id:other")]
    more = [*rows, edge("anonymous_id:A2", "user_id:other", at=4)]
    refused = cluster(third, more, [], RULES).refused
    assert [r.reason for r in refused] == ["type_cap:user_id"]


def test_a_family_sharing_one_browser_is_not_junk() -> None:
    users = [f"user_id:U{i}" for i in range(5)]
    nodes = [node("anonymous_id:family"), *map(node, users)]
    rows = [edge("anonymous_id:family", u, at=i) for i, u in enumerate(users)]
    # Each also has a browser of their own: four rivals each, through one shared session.
    for i, u in enumerate(users):
        nodes.append(node(f"anonymous_id:own{i}"))
        rows.append(edge(f"anonymous_id:own{i}", u, at=10 + i))
    result = cluster(nodes, rows, [], RULES)
    assert result.generic == frozenset()
    assert len(result.clusters) == 5


DAY = 86_400.0


def _recycled(gap_days: float, last_used: float = 0.0) -> tuple[list[Node], list[Evidence]]:
    """Alice gives a phone number at day 0 (and, `last_used` days later, again); Bob is given
    the same number `gap_days` after that."""
    keys = ("user_id:alice", "anonymous_id:a1", "phone:P", "user_id:bob", "anonymous_id:b1")
    nodes = [node(k) for k in keys]
    bob_at = (last_used + gap_days) * DAY
    rows = [
        edge("user_id:alice", "anonymous_id:a1"),
        Evidence("user_id:alice", "phone:P", "identify", W["identify"], 0.0, 2, last_used * DAY),
        edge("user_id:bob", "anonymous_id:b1", at=bob_at),
        edge("user_id:bob", "phone:P", at=bob_at),
    ]
    return nodes, rows


def test_a_recycled_phone_number_passes_to_its_new_owner() -> None:
    nodes, rows = _recycled(gap_days=RULES.reassigned_after_days["phone"] + 1, last_used=10)
    result = cluster(nodes, rows, [], RULES)
    assert parts(result) == {
        frozenset({"user_id:alice", "anonymous_id:a1"}),
        frozenset({"user_id:bob", "anonymous_id:b1", "phone:P"}),
    }
    assert result.refused == (Refusal("phone:P", "user_id:alice", "identify", "reassigned"),)
    # The same facts in any order, and as aggregated rows, decide the same.
    assert parts(cluster(nodes, list(reversed(rows)), [], RULES)) == parts(result)
    assert parts(cluster(nodes, aggregate(rows), [], RULES)) == parts(result)


def test_a_number_used_again_within_the_gap_stays_a_conflict() -> None:
    # Alice used it until day 10; Bob appears 80 days later: side by side, not handed over.
    nodes, rows = _recycled(gap_days=RULES.reassigned_after_days["phone"] - 10, last_used=10)
    result = cluster(nodes, rows, [], RULES)
    assert frozenset({"user_id:alice", "anonymous_id:a1", "phone:P"}) in parts(result)
    assert [r.reason for r in result.refused] == ["type_cap:user_id"]


def test_no_reassignment_without_the_rule() -> None:
    rules = IdentityRules(reassigned_after_days={})
    nodes, rows = _recycled(gap_days=400)
    result = cluster(nodes, rows, [], rules)
    assert frozenset({"user_id:alice", "anonymous_id:a1", "phone:P"}) in parts(result)


def test_a_junk_user_id_takes_no_number_from_its_owner() -> None:
    # A blocked user id seen with Alice's old number later is nobody: the number stays hers.
    nodes, rows = _recycled(gap_days=RULES.reassigned_after_days["phone"] + 1, last_used=10)
    nodes = [Node(n.key, n.type, n.first_seen, blocked=n.key == "user_id:bob") for n in nodes]
    result = cluster(nodes, rows, [], RULES)
    assert frozenset({"user_id:alice", "anonymous_id:a1", "phone:P"}) in parts(result)
    assert not [r for r in result.refused if r.reason == "reassigned"]
