"""The two component loaders give the same snapshot, on many generated graphs.

The breadth-first loop (one query per hop) and the Cypher traversal (one query, more only for
identifiers turning generic and for components over the node cap) must load the same
identifiers, evidence, NEVER pairs, profiles, generic flags and truncation, whatever the
shape: generic hubs, blocked identifiers, NEVER edges, session types, chains deeper than three
hops, components over `max_nodes`, seeds that are not stored.
"""

from __future__ import annotations

import itertools
import random
from collections import Counter
from collections.abc import Iterable
from typing import Any

import pytest

from app.adapters.component_loading import Traversal
from app.adapters.cypher import query
from app.adapters.identity_graph import IdentityGraph, IdentityTx
from app.bootstrap import Container, build_container
from app.domain.identity import IdentityRules
from app.ports.components import ComponentSnapshot
from app.settings import Settings
from bench.component_load import SeedGraph, hub_person, returning
from tests.messages import message

pytestmark = pytest.mark.integration

TYPES = ("user_id", "email", "phone", "device_id", "anonymous_id", "anonymous_id")
RULES = ("identify", "alias", "co_occurrence", "manual_merge", "import")
#: A small generic degree, so that small graphs have generic identifiers.
SMALL = IdentityRules(generic_degree=3)


def facts(snapshot: ComponentSnapshot) -> dict[str, Any]:
    """What a snapshot says, without the order its lists were filled in."""
    return {
        "nodes": sorted(snapshot.nodes),
        "evidence": sorted(snapshot.evidence, key=lambda e: (e.a, e.b, e.rule)),
        "link_states": snapshot.link_states,
        "link_info": snapshot.link_info,
        "never": sorted(snapshot.never),
        "current": snapshot.current,
        "profile_created": snapshot.profile_created,
        "stored_generic": snapshot.stored_generic,
        "truncated": snapshot.truncated,
    }


def turning_generic(snapshot: ComponentSnapshot) -> bool:
    return any(n.generic and not snapshot.stored_generic[n.key] for n in snapshot.nodes)


def random_graph(rng: random.Random, ws: str) -> SeedGraph:
    """Identifiers of every type in random profiles, some blocked or stored generic, random
    evidence with hubs and a chain, a few NEVER pairs."""
    g = SeedGraph(ws)
    n = rng.randint(4, 60)
    profiles = [g.profile(f"p{i}", float(i)) for i in range(max(1, n // rng.randint(1, 5)))]
    keys = [
        g.identifier(
            rng.choice(TYPES),
            f"n{i:03d}",
            rng.choice(profiles),
            first_seen=float(rng.randint(0, 50)),
            generic=rng.random() < 0.1,
            blocked=rng.random() < 0.08,
        )
        for i in range(n)
    ]
    pairs: set[tuple[str, str, str]] = set()
    path = rng.sample(keys, rng.randint(1, min(n, 12)))
    pairs.update((a, b, "alias") for a, b in itertools.pairwise(path))
    for _ in range(rng.randint(0, 2 * n)):
        a, b = rng.sample(keys, 2)
        pairs.add((a, b, rng.choice(RULES)))
    for hub in rng.sample(keys, rng.randint(0, 3)):
        for other in rng.sample(keys, rng.randint(2, min(n, 10))):
            if other != hub:
                pairs.add((hub, other, "co_occurrence"))
    for a, b, rule in sorted({(min(a, b), max(a, b), r) for a, b, r in pairs}):
        followed = rng.choice([True, False, None])
        g.link(
            a,
            b,
            rule,
            at=float(rng.randint(0, 100)),
            count=rng.randint(1, 3),
            followed=followed,
            refusal=None if followed is not False else rng.choice(["generic", "never"]),
            last_seen=rng.choice([None, 200.0]),
        )
    for a, b in {tuple(sorted(rng.sample(keys, 2))) for _ in range(rng.randint(0, 4))}:
        g.never(a, b)
    return g


async def fresh_random_graph(container: Container, rng: random.Random) -> SeedGraph:
    """An empty graph, then a random one (`random_graph`) written in the workspace."""
    await container.graph.run_auto_commit("admin/wipe_all")
    g = random_graph(rng, container.settings.workspace)
    await g.write(container.graph)
    return g


async def load(
    container: Container,
    traversal: Traversal,
    seeds: list[str],
    rules: IdentityRules,
    max_nodes: int,
) -> ComponentSnapshot:
    graph = IdentityGraph(
        container.graph.driver, container.graph.database, container.settings.workspace, traversal
    )

    async def work(tx: IdentityTx) -> ComponentSnapshot:
        return await tx.load_component(seeds, rules, max_nodes)

    return await graph.read_tx(work)


async def both_agree(
    container: Container, seeds: list[str], rules: IdentityRules, max_nodes: int
) -> ComponentSnapshot:
    """Load with each loader, check they agree, return the snapshot."""
    looped = await load(container, "breadth_first", seeds, rules, max_nodes)
    traversed = await load(container, "cypher", seeds, rules, max_nodes)
    assert facts(traversed) == facts(looped), seeds
    if not turning_generic(looped):
        # Without peers pulled in, even the order is the loop's: depth, then key.
        assert traversed.keys == looped.keys
    return looped


def _count(seen: Counter[str], snapshot: ComponentSnapshot, rules: IdentityRules) -> None:
    """Note which of the cases the generated graphs are meant to reach this one reached."""
    keys = set(snapshot.keys)
    seen["loaded"] += bool(keys)
    seen["truncated"] += snapshot.truncated
    seen["turning generic"] += turning_generic(snapshot)
    seen["generic"] += any(n.generic for n in snapshot.nodes)
    seen["blocked"] += any(n.blocked for n in snapshot.nodes)
    seen["never"] += bool(snapshot.never)
    seen["session"] += any(n.type in rules.session_types for n in snapshot.nodes)
    seen["over 4 identifiers"] += len(keys) > 4


async def test_both_loaders_give_the_same_snapshot_on_random_graphs(
    container: Container,
) -> None:
    rng = random.Random(20240611)
    seen: Counter[str] = Counter()
    for _ in range(40):
        g = await fresh_random_graph(container, rng)
        keys = [row["key"] for row in g.identifiers]
        for _ in range(4):
            seeds = rng.sample(keys, rng.randint(1, 3))
            if rng.random() < 0.2:
                seeds.append(g.key("email", "not-stored"))
            max_nodes = rng.choice([2, 5, 12, 5000])
            snapshot = await both_agree(container, seeds, SMALL, max_nodes)
            _count(seen, snapshot, SMALL)
    # The generated graphs reach every case the loaders treat apart.
    cases = ("truncated", "turning generic", "generic", "blocked", "never", "session")
    assert all(seen[c] >= 3 for c in cases), seen


async def test_both_loaders_agree_on_deep_chains_hubs_and_returning_people(
    container: Container,
) -> None:
    rng = random.Random(5)
    g = SeedGraph(container.settings.workspace)
    people = [returning(g, n, rng) for n in range(5)]
    hubs = [hub_person(g, n, rng, degree=30) for n in range(2)]
    chain = [g.identifier("device_id", f"c{i:03d}", g.profile(f"c{i}")) for i in range(120)]
    for a, b in itertools.pairwise(chain):
        g.link(a, b, "co_occurrence")
    await g.write(container.graph)
    rules = container.rules
    for seeds in [*people, *hubs]:
        snapshot = await both_agree(container, seeds, rules, 5000)
        assert not snapshot.truncated
    whole = await both_agree(container, [chain[0]], rules, 5000)
    assert len(whole.nodes) == 120 and len(whole.evidence) == 119
    cut = await both_agree(container, [chain[60]], rules, 42)
    # Twenty hops each way, and one of the two identifiers 21 hops away (the smaller key).
    assert cut.truncated and set(cut.keys) == set(chain[39:81])


async def test_both_loaders_agree_on_a_graph_made_by_ingestion(container: Container) -> None:
    events = []
    for n in range(30):
        # A shop's till e-mail seen with 30 customers' user ids: generic (25 is the degree).
        events.append(message("identify", user=f"cust-{n}", email="till@shop.example"))
        events.append(message(anon=f"cust-{n}-a", user=f"cust-{n}", device=f"d-{n % 4}"))
    events.append(message("alias", anon="cust-1-b", previous="cust-1-a"))
    await container.ingestion.ingest(events[:20])
    await container.ingestion.ingest(events[20:])
    rows = await container.graph.read("identity/partition", ws=container.settings.workspace)
    keys = sorted(row["key"] for row in rows)
    assert len(keys) > 60
    for key in keys:
        await both_agree(container, [key], container.rules, 5000)
    assert any(
        n.generic for n in (await load(container, "cypher", keys, container.rules, 5000)).nodes
    )


async def test_the_setting_chooses_the_loader_of_the_container(settings: Settings) -> None:
    for traversal in ("breadth_first", "cypher"):
        chosen = settings.model_copy(update={"component_traversal": traversal})
        built = await build_container(chosen)
        try:
            identity = built.curation.graph
            assert isinstance(identity, IdentityGraph)
            assert identity.component_traversal == traversal
        finally:
            await built.close()


def _operators(plan: dict[str, Any]) -> list[str]:
    found = [str(plan["operatorType"]).split("@")[0]]
    for child in plan.get("children", []):
        found += _operators(child)
    return found


async def test_the_traversal_searches_from_the_seeds_without_enumerating_paths(
    container: Container,
) -> None:
    """The plan, for any number of seeds: one breadth-first search from each seed (not a
    search between each seed and every node, not a walk of every trail)."""
    g = SeedGraph(container.settings.workspace)
    seeds = returning(g, 0, random.Random(1))
    await g.write(container.graph)
    text = "EXPLAIN " + query("identity/traverse_component")
    for n in (1, 2, 20, 300):
        rows = [{"key": seeds[i % 2], "depth": 0} for i in range(n)]
        found = await container.graph.driver.execute_query(
            text, seeds=rows, max_degree=25, uncounted=["anonymous_id"], rows=5001 * n
        )
        assert found.summary.plan is not None
        operators = _operators(found.summary.plan)
        assert "StatefulShortestPath(All)" in operators, operators
        # The search is read through a limit: a huge component stops it early.
        assert operators.index("Limit") + 1 == operators.index("StatefulShortestPath(All)")
        assert not {"StatefulShortestPath(Into)", "CartesianProduct", "AllNodesScan"} & set(
            operators
        ), operators
        assert not any(o.startswith(("Repeat", "VarLengthExpand")) for o in operators)


async def locked_and_plain(
    graph: IdentityGraph, seeds: list[str], held: list[str], max_nodes: int
) -> tuple[ComponentSnapshot, ComponentSnapshot, list[list[str]]]:
    """In one transaction holding the locks of the profiles `held`: the component as
    `load_locked_component` reads it, as one plain read reads it then, and the seeds of each
    read the first made."""
    reads: list[list[str]] = []

    async def work(tx: IdentityTx) -> tuple[ComponentSnapshot, ComponentSnapshot]:
        load = tx.load_component

        async def recorded(
            seeds: Iterable[str], rules: IdentityRules, max_nodes: int
        ) -> ComponentSnapshot:
            reads.append(sorted(seeds))
            return await load(seeds, rules, max_nodes)

        await tx.lock_profiles(held)
        tx.load_component = recorded  # type: ignore[method-assign]
        locked = await tx.load_locked_component(seeds, SMALL, max_nodes)
        return locked, await load(seeds, SMALL, max_nodes)

    locked, plain = await graph.write(work)
    return locked, plain, reads


async def test_a_component_read_under_locks_equals_one_read_and_rereads_only_new_profiles(
    container: Container,
) -> None:
    """`load_locked_component` locks the profiles its read reached unlocked, then reads again
    only the parts of the snapshot that hold one of them: with no writer beside it, what it
    returns is exactly one plain read of the seeds, whichever profiles were locked before."""
    rng = random.Random(7)
    ws = container.settings.workspace
    seen: Counter[str] = Counter()
    for round_ in range(30):
        g = await fresh_random_graph(container, rng)
        keys = [row["key"] for row in g.identifiers]
        profiles = [row["id"] for row in g.profiles]
        traversal: Traversal = ("breadth_first", "cypher")[round_ % 2]
        graph = IdentityGraph(container.graph.driver, container.graph.database, ws, traversal)
        for _ in range(3):
            seeds = sorted(set(rng.sample(keys, rng.randint(1, min(6, len(keys))))))
            held = rng.sample(profiles, rng.randint(0, len(profiles)))
            max_nodes = rng.choice([5, 5000])
            locked, plain, reads = await locked_and_plain(graph, seeds, held, max_nodes)
            assert facts(locked) == facts(plain), (seeds, held)
            seen["read again"] += len(reads) > 1
            seen["read again in part"] += any(len(r) < len(seeds) for r in reads[1:])
    assert seen["read again"] >= 5 and seen["read again in part"] >= 3, seen
