"""The in-memory identity graph answers as Neo4j does: the same scenarios
(tests/support/identity_scenarios.py: batches of messages and operator actions) run through the
real ingestion and curation services on each, and what the graph then holds is compared, seen
through the port itself: each scenario's component as `load_component` reads it (identifiers,
their profiles grouped, generic and blocked flags, every edge's rule, state, count, source and
times, NEVER pairs), the trait evidence of every profile, and what each batch reported; and
seen through the reads the unit tests make beside the port (tests/support/identity_reads.py:
the partition, the recorded conflicts, each profile's event count and identifiers, where the
profiles the scenario retired lead), against Neo4j's own (tests/identity_checks.py, the
profile store).
The unit tests of tests/unit/services/identity/ rest on this."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pytest

from app.bootstrap import Container
from app.ports.components import ComponentSnapshot, LinkInfo
from app.ports.identity import IdentityGraphPort, IdentityTx
from app.privacy import BlindIndex, LocalKeyStore
from app.services.identity.curated import Curated, MergeOutcome
from app.services.identity.ingestion import IngestReport
from app.services.identity.keys import Sealer
from app.services.identity.resolution import MAX_COMPONENT_NODES
from tests import identity_checks
from tests.fakes.identity_graph import InMemoryIdentityGraph
from tests.support import identity_reads
from tests.support.identity_reads import Conflict, Lineage, Partition
from tests.support.identity_scenarios import SCENARIOS, Scenario
from tests.support.identity_world import IdentityWorld, identity_world

pytestmark = pytest.mark.integration


@dataclass(frozen=True)
class Readback:
    """The reads the unit tests make beside the port, as one graph answers them."""

    partition: Callable[[], Awaitable[Partition]]
    conflicts: Callable[[], Awaitable[list[Conflict]]]
    event_count: Callable[[str], Awaitable[int]]
    lineage: Callable[[str], Awaitable[Lineage]]
    identifiers: Callable[[str], Awaitable[list[tuple[str, str | None]]]]


def _neo4j_reads(container: Container) -> Readback:
    """Neo4j's own reads: cypher/identity/partition and conflicts, the profile store."""

    async def partition() -> Partition:
        return await identity_checks.partition(container)

    async def conflicts() -> list[Conflict]:
        rows = await identity_checks.conflicts(container)
        return [
            Conflict(
                str(r["a_type"]),
                str(r["b_type"]),
                str(r["rule"]),
                str(r["refusal"]),
                cast(int, r["count"]),
            )
            for r in rows
        ]

    async def lineage(profile: str) -> Lineage:
        view = await container.profiles.profile(profile)
        assert view is not None, "a profile the scenario named is gone"
        return Lineage(view.status, view.merged_into)

    async def identifiers(profile: str) -> list[tuple[str, str | None]]:
        return [(i.type, i.value) for i in await container.profiles.identifiers(profile)]

    return Readback(partition, conflicts, container.profiles.event_count, lineage, identifiers)


def _memory_reads(graph: InMemoryIdentityGraph, sealer: Sealer) -> Readback:
    """The in-memory graph's committed state, as tests/support/identity_reads.py reads it."""

    async def partition() -> Partition:
        return identity_reads.partition(graph)

    async def conflicts() -> list[Conflict]:
        return identity_reads.conflicts(graph)

    async def event_count(profile: str) -> int:
        return identity_reads.event_count(graph, profile)

    async def lineage(profile: str) -> Lineage:
        return identity_reads.lineage(graph, profile)

    async def identifiers(profile: str) -> list[tuple[str, str | None]]:
        return await identity_reads.identifiers(graph, sealer, profile)

    return Readback(partition, conflicts, event_count, lineage, identifiers)


#: Notices of a lineage, whose `related` are profiles (a `traits` notice's are field names;
#: a `created` notice without them names a new profile, no lineage).
LINEAGE_NOTICES = frozenset({"merged_into", "merged", "created", "split"})


def _profiles_named(done: object) -> set[str]:
    """The profiles a step's outcome names in a lineage (merged, merged into, split from or
    split off)."""
    if isinstance(done, IngestReport):
        lineage = [n for n in done.notices if n.kind in LINEAGE_NOTICES and n.related]
        return {p for n in lineage for p in (n.profile_id, *n.related)}
    if isinstance(done, MergeOutcome):
        return {*done.merged_ids, *([done.profile_id] if done.profile_id else [])}
    if isinstance(done, Curated):
        merged = {p for m in done.outcome.merges for p in (m.from_id, m.into_id)}
        return merged | {p for s in done.outcome.splits for p in (s.from_id, s.new_id)}
    return set()


def _provenance(info: LinkInfo) -> tuple[str | None, float | None, float | None]:
    """An edge's source and times; an operator's edge is timed by the clock, which differs
    between the two runs: its times are left out."""
    if info.source and info.source.startswith(("manual:", "review:")):
        return info.source, None, None
    return info.source, info.first_seen, info.last_seen


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
                # Stored from the smaller key: the same pair can be the other way on the
                # other graph, whose keys differ.
                *sorted((name(e.a), name(e.b))),
                e.rule,
                e.count,
                snapshot.link_states[(e.a, e.b, e.rule)].followed,
                snapshot.link_states[(e.a, e.b, e.rule)].refusal,
                *_provenance(snapshot.link_info[(e.a, e.b, e.rule)]),
            )
            for e in snapshot.evidence
        ),
        "never": sorted(tuple(sorted((name(a), name(b)))) for a, b in snapshot.never),
        "truncated": snapshot.truncated,
    }


async def _read_back(
    reads: Readback, names: dict[str, str], profiles: dict[str, int], named: set[str]
) -> dict[str, Any]:
    """The readback with keys as names and profiles as the component's group numbers (each
    with its events and its identifiers' types and values, in no order). A
    profile no longer in the component is told by its status, whether it resolves to one of
    the component's profiles and its events (which of them can differ: where the services
    choose between equals, they go by key, and the keys differ between the graphs)."""
    retired = []
    for pid in sorted(named - set(profiles)):
        found = await reads.lineage(pid)
        into = None if found.merged_into is None else found.merged_into in profiles
        retired.append((found.status, repr(into), await reads.event_count(pid)))
    return {
        "partition": sorted(
            sorted(names.get(k, "unnamed") for k in group) for group in await reads.partition()
        ),
        "conflicts": sorted(
            (*sorted((c.a_type, c.b_type)), c.rule, c.refusal, c.count)
            for c in await reads.conflicts()
        ),
        "profiles": {
            group: (await reads.event_count(pid), sorted(await reads.identifiers(pid), key=repr))
            for pid, group in profiles.items()
        },
        "retired": sorted(retired),
    }


async def _outcome(
    world: IdentityWorld, graph: IdentityGraphPort, reads: Readback, scenario: Scenario
) -> dict[str, Any]:
    reports: list[object] = []
    named: set[str] = set()
    for step in scenario.steps:
        done = await world.ingestion.ingest(step) if isinstance(step, list) else await step(world)
        named |= _profiles_named(done)
        if isinstance(done, IngestReport):
            r = done
            reports.append(
                (r.stored, r.duplicates, r.merges, r.splits, len(r.new_conflicts), r.consents)
            )
        elif isinstance(done, list):  # a re-resolution's changes, counts only
            reports.append([dataclasses.astuple(c) for c in done])
    names = {world.key(t, v): f"{t}:{v}" for t, v in scenario.identifiers}
    profiles: dict[str, int] = {}

    async def read(tx: IdentityTx) -> dict[str, Any]:
        seeds = [k for k in names if (await tx.find_identifiers([k]))]
        snapshot = await tx.load_component(seeds, world.rules, MAX_COMPONENT_NODES)
        component = _canonical(snapshot, names, profiles)
        evidence = await tx.profile_evidence(sorted(profiles))
        traits = {
            profiles[pid]: sorted((o.field, o.value, o.count) for o in found.observations)
            for pid, found in evidence.items()
        }
        return {"component": component, "traits": traits}

    seen = await graph.read_tx(read)
    return {"reports": reports, **seen, **await _read_back(reads, names, profiles, named)}


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
    expected = await _outcome(neo4j, container.identity, _neo4j_reads(container), scenario)
    world, graph = memory_world
    assert world.rules == container.rules
    assert await _outcome(world, graph, _memory_reads(graph, world.sealer), scenario) == expected
    assert expected["component"]["nodes"], "the scenario stored nothing"
