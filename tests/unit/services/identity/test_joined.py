"""A recomputation tells apart a profile that only gained identifiers stored by its own
transaction (a returning visitor's new session: `joined`, with their types) from one whose
identifiers moved in or out, which may bring or take away a history."""

from __future__ import annotations

from app.domain.identity import Evidence, IdentityRules, Node
from app.ports.components import ComponentSnapshot, LinkState
from app.services.changes.notices import lineage_notices
from app.services.identity.resolution import decide

RULES = IdentityRules()
USER, OLD, NEW = "user_id:u", "anonymous_id:old", "anonymous_id:new"


def _snapshot(new_has_profile: bool) -> ComponentSnapshot:
    """The login and its old session in p-1; a new session identified with the login, either
    stored by this transaction (no profile) or stored before in p-2."""
    snapshot = ComponentSnapshot(
        nodes=[
            Node(USER, "user_id", 1.0),
            Node(OLD, "anonymous_id", 0.0),
            Node(NEW, "anonymous_id", 5.0),
        ],
        current={USER: "p-1", OLD: "p-1"},
        profile_created={"p-1": 0.0},
    )
    if new_has_profile:
        snapshot.current[NEW] = "p-2"
        snapshot.profile_created["p-2"] = 4.0
    for a, b, followed in [(OLD, USER, True), (NEW, USER, False)]:
        a, b = min(a, b), max(a, b)
        snapshot.evidence.append(Evidence(a, b, "identify", RULES.weight_for("identify"), 1.0))
        snapshot.link_states[(a, b, "identify")] = LinkState(followed, None)
    return snapshot


def test_a_new_session_joining_a_profile_is_named_with_its_type() -> None:
    outcome = decide(_snapshot(new_has_profile=False), RULES).outcome()
    assert outcome.changed_profiles == frozenset({"p-1"})
    assert outcome.joined == {"p-1": frozenset({"anonymous_id"})}
    notices = lineage_notices(
        outcome.merges, outcome.splits, outcome.changed_profiles, joined=outcome.joined
    )
    assert [(n.profile_id, n.kind, n.related) for n in notices] == [
        ("p-1", "joined", ("anonymous_id",))
    ]


def test_a_session_with_a_profile_of_its_own_merges_and_joins_nothing() -> None:
    outcome = decide(_snapshot(new_has_profile=True), RULES).outcome()
    assert outcome.joined == {}
    assert [(m.from_id, m.into_id) for m in outcome.merges] == [("p-2", "p-1")]
    notices = lineage_notices(outcome.merges, outcome.splits, outcome.changed_profiles)
    assert {n.kind for n in notices} == {"merged", "merged_into"}
