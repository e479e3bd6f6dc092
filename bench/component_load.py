"""Finding an evidence component: the breadth-first loop against the Cypher traversal.

    .venv/bin/python -m bench.component_load                  # 200 loads per shape and loader
    .venv/bin/python -m bench.component_load --loads 50 --events 600      # a quick look

Against NEO4J_URI and REDIS_URL when both are set, else the local test instances, started as
the tests start them (so run it while no integration test runs); the graph and Valkey are
wiped. Components of four shapes are written directly (`cypher/bench/seed_component.cypher`)
and loaded, alternately by each loader, inside a read transaction: the time is the load only.
Then returning people's events are ingested through `IngestionService.ingest` once with each
loader, after the same history. docs/identity.md (section 9.1) records a run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args

from pydantic import SecretStr

from app.adapters.component_loading import Traversal
from app.adapters.identity_graph import IdentityGraph, IdentityTx
from app.adapters.neo4j_db import Graph
from app.bootstrap import Container, build_container
from app.domain.identity import IdentityRules
from app.domain.messages import TrackedMessage
from app.services.identity.resolution import MAX_COMPONENT_NODES
from app.settings import Settings

LOADERS: tuple[Traversal, ...] = get_args(Traversal)


@dataclass
class SeedGraph:
    """Rows for `cypher/bench/seed_component.cypher`: a graph written without ingestion."""

    ws: str
    profiles: list[dict[str, Any]] = field(default_factory=list)
    identifiers: list[dict[str, Any]] = field(default_factory=list)
    links: list[dict[str, Any]] = field(default_factory=list)
    nevers: list[dict[str, Any]] = field(default_factory=list)

    def key(self, type_: str, name: str) -> str:
        return f"{self.ws}:{type_}:bench:{name}"

    def profile(self, id_: str, created_at: float = 1.0) -> str:
        self.profiles.append({"id": id_, "created_at": created_at})
        return id_

    def identifier(
        self,
        type_: str,
        name: str,
        profile: str,
        first_seen: float = 1.0,
        generic: bool = False,
        blocked: bool = False,
    ) -> str:
        key = self.key(type_, name)
        self.identifiers.append(
            {
                "key": key,
                "type": type_,
                "profile": profile,
                "first_seen": first_seen,
                "generic": generic,
                "blocked": blocked,
            }
        )
        return key

    def link(self, a: str, b: str, rule: str = "identify", at: float = 1.0, **state: Any) -> None:
        """A LINKED edge (state: count, followed, refusal, source, last_seen)."""
        row = {"count": 1, "followed": True, "refusal": None, "source": "bench", "last_seen": at}
        row.update(state)
        self.links.append({**row, "a": min(a, b), "b": max(a, b), "rule": rule, "at": at})

    def never(self, a: str, b: str, at: float = 1.0) -> None:
        self.nevers.append({"a": min(a, b), "b": max(a, b), "at": at})

    async def write(self, graph: Graph) -> None:
        await graph.write(
            "bench/seed_component",
            ws=self.ws,
            profiles=self.profiles,
            identifiers=self.identifiers,
            links=self.links,
            nevers=self.nevers,
        )


def newcomer(g: SeedGraph, n: int, rng: random.Random) -> list[str]:
    """A first visit that logged in: anonymous id, user id, perhaps an e-mail."""
    p = g.profile(f"new-{n}")
    anon = g.identifier("anonymous_id", f"new-{n}", p)
    user = g.identifier("user_id", f"new-{n}", p)
    g.link(anon, user)
    keys = [anon, user]
    if rng.random() < 0.5:
        keys.append(g.identifier("email", f"new-{n}", p))
        g.link(user, keys[-1])
    return keys


def returning(g: SeedGraph, n: int, rng: random.Random) -> list[str]:
    """10-30 identifiers, mostly anonymous ids, 2-4 hops from the user id: some came through
    a device, some after an alias from an older anonymous id. Seeds: user id, one anon."""
    p = g.profile(f"ret-{n}")
    user = g.identifier("user_id", f"ret-{n}", p)
    hubs = [user]
    for i in range(rng.randint(1, 2)):
        g.link(user, g.identifier("email", f"ret-{n}-{i}", p))
    for i in range(rng.randint(1, 3)):
        hubs.append(g.identifier("device_id", f"ret-{n}-{i}", p, first_seen=2.0))
        g.link(user, hubs[-1], "co_occurrence")
    anons: list[str] = []
    for i in range(rng.randint(7, 24)):
        anon = g.identifier("anonymous_id", f"ret-{n}-{i}", p, first_seen=3.0 + i)
        if anons and rng.random() < 0.4:
            g.link(rng.choice(anons[-3:]), anon, "alias", at=3.0 + i)
        else:
            g.link(rng.choice(hubs), anon, "identify", at=3.0 + i)
        anons.append(anon)
    return [user, anons[-1]]


def hub_person(g: SeedGraph, n: int, rng: random.Random, degree: int = 100) -> list[str]:
    """A person whose user id was seen with a shared e-mail (stored generic, its own
    profile) that `degree` other people's user ids were seen with too."""
    hub = g.identifier("email", f"hub-{n}", g.profile(f"hub-{n}"), generic=True)
    for i in range(degree):
        other = g.identifier("user_id", f"hub-{n}-{i}", g.profile(f"hub-{n}-{i}"))
        g.link(other, hub, "co_occurrence", followed=False, refusal="generic")
    p = g.profile(f"hubp-{n}")
    user = g.identifier("user_id", f"hubp-{n}", p)
    g.link(user, hub, "co_occurrence", followed=False, refusal="generic")
    anons = [g.identifier("anonymous_id", f"hubp-{n}-{i}", p) for i in range(3)]
    for anon in anons:
        g.link(user, anon)
    return [user, anons[-1]]


def chain(g: SeedGraph, n: int, rng: random.Random, length: int = 200) -> list[str]:
    """200 identifiers in a line (devices and anonymous ids passed along), profiles of 40;
    the seed is one end."""
    keys: list[str] = []
    for i in range(length):
        p = f"chain-{n}-{i // 40}"
        if i % 40 == 0:
            g.profile(p)
        type_ = "device_id" if i % 2 else "anonymous_id"
        keys.append(g.identifier(type_, f"chain-{n}-{i}", p, first_seen=float(i)))
        if i:
            g.link(keys[i - 1], keys[i], "co_occurrence", at=float(i))
    return [keys[0]]


def batch_of_returning(g: SeedGraph, n: int, rng: random.Random, people: int = 50) -> list[str]:
    """What one ingestion batch recomputes: the components of 50 returning people at once."""
    return [k for i in range(people) for k in returning(g, 10_000 + n * people + i, rng)]


SHAPES: dict[str, tuple[Callable[[SeedGraph, int, random.Random], list[str]], int]] = {
    "newcomer (2-3 identifiers)": (newcomer, 50),
    "returning (10-30, depth 2-4)": (returning, 50),
    "linked to a generic hub": (hub_person, 10),
    "chain of 200": (chain, 5),
    "50 returning people at once": (batch_of_returning, 5),
}


def spread(seconds: Sequence[float]) -> dict[str, float | int]:
    """Median and spread (10th and 90th percentiles) in milliseconds."""
    ms = sorted(s * 1000 for s in seconds)

    def at(q: float) -> float:
        return round(ms[min(len(ms) - 1, int(q * len(ms)))], 2)

    return {
        "n": len(ms),
        "median_ms": round(statistics.median(ms), 2),
        "p10_ms": at(0.1),
        "p90_ms": at(0.9),
    }


async def _load_once(identity: IdentityGraph, seeds: list[str], rules: IdentityRules) -> float:
    async def work(tx: IdentityTx) -> float:
        started = time.perf_counter()
        await tx.load_component(seeds, rules, MAX_COMPONENT_NODES)
        return time.perf_counter() - started

    return await identity.read_tx(work)


async def measure_loads(container: Container, loads: int, seed: int) -> dict[str, Any]:
    """Per shape and loader: `loads` loads of its components, the loaders alternating."""
    rng = random.Random(seed)
    ws = container.settings.workspace
    g = SeedGraph(ws)
    seeds = {
        name: [make(g, n, rng) for n in range(count)] for name, (make, count) in SHAPES.items()
    }
    await g.write(container.graph)
    driver, database = container.graph.driver, container.graph.database
    graphs = {t: IdentityGraph(driver, database, ws, t) for t in LOADERS}
    results: dict[str, Any] = {}
    for name, components in seeds.items():
        times: dict[str, list[float]] = {t: [] for t in LOADERS}
        for i in range(loads + 10):
            order = LOADERS if i % 2 else LOADERS[::-1]
            for t in order:
                took = await _load_once(graphs[t], components[i % len(components)], container.rules)
                if i >= 10:  # the first ones warm the plan cache and the page cache
                    times[t].append(took)
        results[name] = {t: spread(v) for t, v in times.items()}
    return results


def returning_events(people: int, events: int, seed: int) -> tuple[list[TrackedMessage], ...]:
    """(history, returning visits): each person logs in on 3 devices' browsers first, then
    comes back, now and then with a new anonymous id (a lost cookie)."""
    rng = random.Random(seed)
    anons = {p: [f"cl-a-{p}-{i}" for i in range(3)] for p in range(people)}
    history = [
        _message(f"h-{p}-{i}", "identify", f"cl-u-{p}", anon, float(i))
        for p in range(people)
        for i, anon in enumerate(anons[p])
    ]
    visits: list[TrackedMessage] = []
    for n in range(events):
        p = rng.randrange(people)
        if rng.random() < 0.3:
            anons[p].append(f"cl-a-{p}-{len(anons[p])}")
        kind = "identify" if rng.random() < 0.3 else "track"
        visits.append(_message(f"v-{n}", kind, f"cl-u-{p}", rng.choice(anons[p]), 100.0 + n))
    return history, visits


def _message(id_: str, kind: str, user: str, anon: str, at: float) -> TrackedMessage:
    return TrackedMessage(
        message_id=id_,
        type="identify" if kind == "identify" else "track",
        source_id="bench",
        received_at=1_700_000_000.0 + at,
        timestamp=1_700_000_000.0 + at,
        user_id=user,
        anonymous_id=anon,
        event="Viewed" if kind == "track" else None,
    )


async def measure_ingestion(
    settings: Settings, people: int, events: int, batch: int, seed: int
) -> dict[str, Any]:
    """Per loader: after the same history, the time to ingest the returning visits; twice,
    the loaders in one order then the other (the first run of a process warms it up)."""
    history, visits = returning_events(people, events, seed)
    took: dict[str, list[float]] = {t: [] for t in LOADERS}
    totals: dict[str, list[float]] = {t: [] for t in LOADERS}
    for t in [*LOADERS, *LOADERS[::-1]]:
        async with _container(replace_traversal(settings, t)) as container:
            for at in range(0, len(history), batch):
                await container.ingestion.ingest(history[at : at + batch])
            run: list[float] = []
            for at in range(0, len(visits), batch):
                started = time.perf_counter()
                await container.ingestion.ingest(visits[at : at + batch])
                run.append(time.perf_counter() - started)
        took[t] += run
        totals[t].append(round(sum(run), 2))
    return {t: {"events": len(visits), "total_s": totals[t]} | spread(took[t]) for t in LOADERS}


def replace_traversal(settings: Settings, traversal: Traversal) -> Settings:
    return settings.model_copy(update={"component_traversal": traversal})


@asynccontextmanager
async def _container(settings: Settings) -> AsyncIterator[Container]:
    """A container over a wiped graph and Valkey, as the tests' fixture makes one."""
    built = await build_container(settings)
    await built.graph.run_auto_commit("admin/wipe_all")
    await built.redis.flushdb()
    built.ledger.forget_workspace(settings.workspace)
    await built.prepare_graph()
    try:
        yield built
    finally:
        await built.close()


async def run(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    async with _container(settings) as container:
        loads = await measure_loads(container, args.loads, args.seed)
    ingestion = await measure_ingestion(settings, args.people, args.events, args.batch, args.seed)
    return {"loads": loads, "ingestion": ingestion}


@asynccontextmanager
async def _services(data_dir: Path) -> AsyncIterator[Settings]:
    """Settings for NEO4J_URI / REDIS_URL when set, else for the local test instances."""
    from tests.services import test_services  # started and stopped as the tests do

    with test_services() as found:
        auth = found.neo4j_auth
        yield Settings(
            env="test",
            data_dir=data_dir,
            neo4j_uri=found.neo4j_uri,
            neo4j_user=auth[0] if auth else "neo4j",
            neo4j_password=SecretStr(auth[1]) if auth else None,
            redis_url=found.redis_url,
            log_level="WARNING",
        )


def _print(results: dict[str, Any]) -> None:
    for shape, by_loader in results["loads"].items():
        for t, s in by_loader.items():
            print(
                f"{shape:32} {t:14} median {s['median_ms']:8.2f} ms  "
                f"p10 {s['p10_ms']:8.2f}  p90 {s['p90_ms']:8.2f}  (n={s['n']})"
            )
    for t, s in results["ingestion"].items():
        print(
            f"ingest {s['events']} returning events  {t:14} totals {s['total_s']} s  "
            f"batch median {s['median_ms']:8.1f} ms  p90 {s['p90_ms']:8.1f}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--loads", type=int, default=200, help="loads per shape and loader")
    parser.add_argument("--people", type=int, default=300, help="returning people")
    parser.add_argument("--events", type=int, default=3000, help="returning events ingested")
    parser.add_argument("--batch", type=int, default=100, help="events per ingest call")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)

    async def go() -> dict[str, Any]:
        with tempfile.TemporaryDirectory() as tmp:
            async with _services(Path(tmp)) as settings:
                return await run(args, settings)

    results = asyncio.run(go())
    _print(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
