"""A recomputation names the profiles whose followed evidence changed: their bonds may have
moved although no identifier did, so their golden records are decided again."""

from __future__ import annotations

from app.domain.identity import Evidence, IdentityRules, Node
from app.ports.components import ComponentSnapshot, LinkState
from app.services.identity.resolution import decide

RULES = IdentityRules()
USER, ANON, DEVICE = "user_id:u", "anonymous_id:a", "device_id:d"


def _snapshot(direct: LinkState | None) -> ComponentSnapshot:
    """One profile: the login, an anonymous id identified with it, and a device seen beside
    the anonymous id; with `direct`, an identify edge between the device and the login too."""
    snapshot = ComponentSnapshot(
        nodes=[
            Node(USER, "user_id", 1.0),
            Node(ANON, "anonymous_id", 0.0),
            Node(DEVICE, "device_id", 0.0),
        ],
        current={USER: "p-1", ANON: "p-1", DEVICE: "p-1"},
        profile_created={"p-1": 0.0},
    )
    edges = [(ANON, USER, "identify"), (ANON, DEVICE, "co_occurrence")]
    if direct is not None:
        edges.append((DEVICE, USER, "identify"))
    for a, b, rule in edges:
        a, b = min(a, b), max(a, b)
        snapshot.evidence.append(Evidence(a, b, rule, RULES.weight_for(rule), 1.0))
        snapshot.link_states[(a, b, rule)] = LinkState(True, None)
    if direct is not None:
        snapshot.link_states[(min(DEVICE, USER), max(DEVICE, USER), "identify")] = direct
    return snapshot


def test_a_newly_followed_edge_relinks_its_profile_without_moving_anyone() -> None:
    decision = decide(_snapshot(LinkState(False, None)), RULES)
    outcome = decision.outcome()
    assert outcome.changed_profiles == frozenset()
    assert outcome.relinked == frozenset({"p-1"})
    assert outcome.redecide == frozenset({"p-1"})


def test_nothing_changed_relinks_nothing() -> None:
    outcome = decide(_snapshot(LinkState(True, None)), RULES).outcome()
    assert outcome.relinked == frozenset() and outcome.redecide == frozenset()
    assert decide(_snapshot(None), RULES).outcome().redecide == frozenset()
