"""The in-memory identity graph answers as Neo4j does: the same scenarios (batches of messages
and operator actions) run through the real ingestion and curation services on each, and what
the graph then holds is compared, seen through the port itself: each scenario's component as
`load_component` reads it (identifiers, their profiles grouped, generic and blocked flags,
every edge's rule, state and count, NEVER pairs), the trait evidence of every profile, and what
each batch reported. The unit tests of tests/unit/services/identity/ rest on this."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from app.bootstrap import Container
from app.domain.messages import TrackedMessage
from app.ports.components import ComponentSnapshot
from app.ports.identity import IdentityGraphPort, IdentityTx
from app.privacy import BlindIndex, LocalKeyStore
from app.services.identity.curated import IdentifierRef
from app.services.identity.keys import Sealer
from app.services.identity.resolution import MAX_COMPONENT_NODES
from tests.fakes.identity_graph import InMemoryIdentityGraph
from tests.messages import message
from tests.support.identity_world import IdentityWorld, identity_world

pytestmark = pytest.mark.integration

T0 = 1_700_000_000.0
DAY = 86_400.0

Action = Callable[[IdentityWorld], Awaitable[object]]
Step = list[TrackedMessage] | Action


@dataclass(frozen=True)
class Scenario:
    name: str
    steps: Sequence[Step]
    #: The identifiers whose component is compared, as (type, value).
    identifiers: Sequence[tuple[str, str]]


def _sessions(user: str, count: int) -> list[TrackedMessage]:
    return [message("identify", user=user, anon=f"{user}-c{n}", at=T0 + n) for n in range(count)]


def _ref(type: str, value: str) -> IdentifierRef:
    return IdentifierRef.of(type, value)


async def _merge_users(world: IdentityWorld) -> object:
    ids = [await world.profile("user_id", u) for u in ("u1", "u2")]
    return await world.curation.merge_profiles([i for i in ids if i], "same person", "op")


SCENARIOS = [
    Scenario(
        "anonymous_then_login",
        [
            [message("track", anon="a1", at=T0)],
            [message("identify", user="u1", email="u1@example.com", at=T0 + 1)],
            [message("identify", user="u1", anon="a1", at=T0 + 2)],
        ],
        [("anonymous_id", "a1"), ("user_id", "u1"), ("email", "u1@example.com")],
    ),
    Scenario(
        "loyal_user_over_the_degree",
        [_sessions("loyal", 30)],
        [("user_id", "loyal"), ("anonymous_id", "loyal-c0"), ("anonymous_id", "loyal-c29")],
    ),
    Scenario(
        "kiosk_device",
        [[message("identify", user=f"u{n}", device="kiosk", at=T0 + n) for n in range(30)]],
        [("device_id", "kiosk"), ("user_id", "u0"), ("user_id", "u29")],
    ),
    Scenario(
        "household_email_one_batch_at_a_time",
        [
            [message("identify", user="u1", email="home@example.com", at=T0)],
            [message("identify", user="u2", email="home@example.com", at=T0 + 1)],
            [message("identify", user="u2", anon="a2", email="home@example.com", at=T0 + 2)],
        ],
        [("email", "home@example.com"), ("user_id", "u1"), ("user_id", "u2")],
    ),
    Scenario(
        "replayed_and_late",
        [
            [message("identify", user="u1", anon="a1", at=T0 + 10, message_id="m1")],
            [message("identify", user="u1", anon="a1", at=T0 + 10, message_id="m1")],
            [message("track", anon="a1", at=T0 - DAY, message_id="late")],
        ],
        [("user_id", "u1"), ("anonymous_id", "a1")],
    ),
    Scenario(
        "alias_and_previous_id",
        [
            [message("alias", user="new-id", previous="old-id", at=T0)],
            [message("identify", user="old-id", email="p@example.com", at=T0 + 1)],
        ],
        [("user_id", "new-id"), ("user_id", "old-id"), ("email", "p@example.com")],
    ),
    Scenario(
        "phone_passed_on",
        [
            [message("identify", user="u1", phone="+14155550100", at=T0)],
            [message("identify", user="u2", phone="+14155550100", at=T0 + 200 * DAY)],
        ],
        [("phone", "+14155550100"), ("user_id", "u1"), ("user_id", "u2")],
    ),
    Scenario(
        "unlink_then_seen_together_again",
        [
            [message("identify", user="u1", anon="a1", device="d1", at=T0)],
            lambda w: w.curation.unlink(_ref("anonymous_id", "a1"), "op", "shared laptop"),
            [message("identify", user="u1", anon="a1", at=T0 + 5)],
        ],
        [("user_id", "u1"), ("anonymous_id", "a1"), ("device_id", "d1")],
    ),
    Scenario(
        "block_relink_and_manual_merge",
        [
            [message("identify", user="u1", anon="a1", at=T0)],
            [message("identify", user="u2", anon="a1", at=T0 + 1)],
            lambda w: w.curation.set_blocked(_ref("anonymous_id", "a1"), True, "op"),
            _merge_users,
            lambda w: w.curation.relink(_ref("anonymous_id", "a1"), "op"),
        ],
        [("user_id", "u1"), ("user_id", "u2"), ("anonymous_id", "a1")],
    ),
]


def _canonical(
    snapshot: ComponentSnapshot, names: dict[str, str], profiles: dict[str, int]
) -> dict[str, Any]:
    """The component with keys as `type:value` and profiles as group numbers in the order the
    scenario names its identifiers (ids are random on each graph)."""

    def name(key: str) -> str:
        return names.get(key, "unnamed")

    def group(key: str) -> int | None:
        pid = snapshot.current.get(key)
        return None if pid is None else profiles.setdefault(pid, len(profiles))

    for key in sorted(snapshot.current, key=lambda k: (name(k), k)):
        group(key)
    return {
        "nodes": sorted(
            (
                name(n.key),
                n.type,
                n.blocked,
                n.generic,
                snapshot.stored_generic[n.key],
                group(n.key),
            )
            for n in snapshot.nodes
        ),
        "edges": sorted(
            (
                name(e.a),
                name(e.b),
                e.rule,
                e.count,
                snapshot.link_states[(e.a, e.b, e.rule)].followed,
                snapshot.link_states[(e.a, e.b, e.rule)].refusal,
            )
            for e in snapshot.evidence
        ),
        "never": sorted(tuple(sorted((name(a), name(b)))) for a, b in snapshot.never),
        "truncated": snapshot.truncated,
    }


async def _outcome(
    world: IdentityWorld, graph: IdentityGraphPort, scenario: Scenario
) -> dict[str, Any]:
    reports = []
    for step in scenario.steps:
        if isinstance(step, list):
            r = await world.ingestion.ingest(step)
            reports.append(
                (r.stored, r.duplicates, r.merges, r.splits, len(r.new_conflicts), r.consents)
            )
        else:
            await step(world)
    names = {world.key(t, v): f"{t}:{v}" for t, v in scenario.identifiers}

    async def read(tx: IdentityTx) -> dict[str, Any]:
        seeds = [k for k in names if (await tx.find_identifiers([k]))]
        snapshot = await tx.load_component(seeds, world.rules, MAX_COMPONENT_NODES)
        profiles: dict[str, int] = {}
        component = _canonical(snapshot, names, profiles)
        evidence = await tx.profile_evidence(sorted(profiles))
        traits = {
            profiles[pid]: sorted((o.field, o.value, o.count) for o in found.observations)
            for pid, found in evidence.items()
        }
        return {"component": component, "traits": traits}

    return {"reports": reports, **await graph.read_tx(read)}


@pytest.fixture
def memory_world(tmp_path: Path) -> Iterator[tuple[IdentityWorld, InMemoryIdentityGraph]]:
    graph = InMemoryIdentityGraph("test")
    with LocalKeyStore(tmp_path / "keys.sqlite", b"k" * 32) as keys:
        yield (
            identity_world(graph, Sealer("test", BlindIndex({"k1": b"i" * 32}, "k1"), keys)),
            graph,
        )


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
async def test_the_in_memory_graph_ends_where_neo4j_ends(
    scenario: Scenario,
    container: Container,
    memory_world: tuple[IdentityWorld, InMemoryIdentityGraph],
) -> None:
    neo4j = IdentityWorld(
        container.ingestion, container.curation, container.ingestion.sealer, container.rules
    )
    expected = await _outcome(neo4j, container.identity, scenario)
    world, graph = memory_world
    assert world.rules == container.rules
    assert await _outcome(world, graph, scenario) == expected
    assert expected["component"]["nodes"], "the scenario stored nothing"
