"""Benchmark the platform end to end: `python -m bench.run --quick | --full | --events N ...`.

Services: a dedicated local Neo4j (instance `bench`, Bolt 7689) and Valkey (6381), wiped at
start, unless NEO4J_URI / REDIS_URL are set; the API (`cdp api`) and the worker (`cdp worker`,
what `make run` starts: the stream resolver, the change-feed consumer that keeps segments
current and runs journeys, and destination delivery) as subprocesses. The workspace of
bench/workspace.yaml (segments, journeys and a webhook destination aimed at a receiver inside
this process) is loaded through the GraphQL API with an admin key and activated. With
`--resolver-only`, the former configuration: a resolver alone (`cdp resolver`), no segments,
journeys or destinations. A warm-up sends events through everything first. Phases, in order
(each logs one line; the table and files come at the end):

a. accepted: N concurrent clients post the generated traffic to /v1/batch (100 messages a
   batch, HTTP Basic with a fresh source's write key) while the worker is paused (SIGSTOP):
   the API alone, answering after the durable append to the Valkey stream.
b. resolved: the worker is resumed (SIGCONT); the time until the stream's backlog is 0 gives
   resolved events/s end to end (decode, keys, sealing, one locked Neo4j transaction per
   micro-batch, resolution). Then, not timed, until the change feed, the destination outbox
   and the due journey jobs are empty too (`settled_seconds`); then Neo4j must hold exactly
   the distinct events sent (replays included in the traffic), or the run fails.
r. returning: the same people come back (bench.generator `returning`): each opens a new
   anonymous session, logs in (`identify`) and makes four more calls; posted with the worker
   paused, then drained and checked as in (b); the ratio returning / new (b).
d. accuracy: the workspace's partition (identity/partition) against the generator's truth
   (the returning sessions' anonymous ids included), pairwise and B-cubed; plus junk values
   that became identifiers (must be 0).
c. latency: an open loop at a fixed offered rate (500 events/s in batches of 10) with the
   worker running; per event, the time from the tracking call until the event is visible in
   its profile (cypher/bench/events_present): p50/p95/p99/p99.9 and a per-second timeline.
e. raw: the same graph writes on the same messages through the driver (bench.raw), in
   workspace `bench-raw`, and the ratio ours (b) / raw.
f. growth: the measured workspaces are wiped (the workspace file is loaded again), then the
   workspace is seeded to 10k and 100k profiles (and 1M with --full) with bench.seed, and (b)
   and (c) are repeated briefly at each size.
s. sustained (the full run, or `--sustain-seconds`): an offered rate (3,030 distinct events/s,
   replayed batches on top) held for 10 minutes on the largest graph of the run, the stream
   lag sampled every second: resolved events/s and whether the lag stays bounded.
g. all along: peak RSS of the API, the worker (or resolver), Valkey and Neo4j; at the end the
   size of the Neo4j data folder on disk.

Output: a table, bench/results/<UTC time>.json and latest.json, and bench/results/latest.png.
Numbers depend on the machine being otherwise idle; the JSON records the load average.
"""

from __future__ import annotations

import asyncio
import sys
import time
from dataclasses import asdict
from typing import Any

from rich.console import Console

from app.adapters.valkey.keys import WorkspaceKeys
from app.bootstrap import build_container
from app.settings import load_settings
from bench.core import PRODUCT, RESOLVER_ONLY, StoredEventsMismatch
from bench.load import basic_auth, encode_all, post_all
from bench.monitor import MemoryMonitor
from bench.options import FULL, QUICK, SOAK, Options, build_parser, options_from
from bench.phases import Phases
from bench.raw import RAW_WS
from bench.receiver import WebhookReceiver
from bench.report import plot, print_report, write_json
from bench.seed import count_profiles
from bench.stack import (
    REPO,
    BenchServices,
    Children,
    StackOptions,
    free_port,
    start_api,
    start_resolver,
    start_worker,
    wait_ready,
)
from bench.targets import judge
from bench.workspace import Workspace

__all__ = [
    "FULL",
    "PRODUCT",
    "QUICK",
    "RESOLVER_ONLY",
    "SOAK",
    "Bench",
    "Options",
    "StoredEventsMismatch",
    "main",
    "parse_args",
]

#: The consumer name of the resolver of `--resolver-only` (the worker's is
#: `settings.resolver_name`).
RESOLVER_NAME = "bench-resolver"


class Bench(Phases):
    """One benchmark run: services, processes, phases in order, results."""

    async def run(self) -> dict[str, Any]:
        o = self.o
        base = load_settings()
        self.services = services = BenchServices(
            base,
            StackOptions(
                neo4j_heap=o.neo4j_heap,
                neo4j_pagecache=o.neo4j_pagecache,
                resolver_batch_entries=o.resolver_batch_entries,
            ),
        )
        self.log(f"starting services (Neo4j {services.neo4j_uri}, Valkey {services.redis_url})")
        try:
            await asyncio.to_thread(services.start)
            settings = services.settings()
            self.results["settings"] = {
                "workspace": settings.workspace,
                "neo4j_uri": settings.neo4j_uri,
                "redis_url": settings.redis_url,
                "neo4j_heap": services.neo4j.heap if services.neo4j else None,
                "neo4j_pagecache": services.neo4j.pagecache if services.neo4j else None,
                "resolver_batch_entries": settings.resolver_batch_entries,
                "stream_bound": settings.stream_bound,
                "api_workers": o.api_workers,
                "outbound_allowed_networks": settings.outbound_allowed_networks,
            }
            self._container = await build_container(settings)
            await self._run(settings.workspace)
        finally:
            await self.shutdown()
        return self.results

    async def shutdown(self) -> None:
        if self.monitor is not None:
            self.monitor.stop()
        for child in (self.worker, self.api):
            if child is not None:
                await asyncio.to_thread(child.stop)
        if self.receiver is not None:
            self.receiver.close()
        if self._container is not None:
            await self._container.close()
        if self.services is not None and not self.o.keep_services:
            await asyncio.to_thread(self.services.stop, True)

    async def _clean(self, ws: str) -> None:
        """For external services: remove what an earlier run left (local ones start empty)."""
        for name in (ws, RAW_WS):
            await self.container.graph.run_auto_commit("graph/wipe_workspace", ws=name)
        keys = [
            k async for k in self.container.redis.scan_iter(match=f"{WorkspaceKeys(ws).prefix}:*")
        ]
        if keys:
            await self.container.redis.delete(*keys)

    async def _run(self, ws: str) -> None:
        c = self.container
        await c.graph.apply_schema()
        await self._clean(ws)
        base_url, consumers = await self._start_processes()
        created = await c.sources.create("bench")
        auth, source_id = basic_auth(created.write_key), created.source.id
        await self._load_and_pause(base_url, consumers)
        if self.o.warmup_events > 0:
            await self._warm_up(base_url, auth, source_id)
        bodies = await self._accepted_and_resolved(ws, base_url, auth, source_id)
        await self._returning_and_accuracy(ws, base_url, auth, source_id)
        await self._latency_raw_and_scale_out(ws, base_url, auth, source_id, bodies)
        del bodies
        await self._growth_and_sustained(ws, base_url)
        await self.memory_and_activity(base_url)

    async def _start_processes(self) -> tuple[str, list[str]]:
        """The API, and the worker (or the lone resolver) with N - 1 resolvers beside it;
        returns the API's base URL once it answers, and the resolvers' consumer names."""
        o, c = self.o, self.container
        assert self.services is not None
        logs = self.services.data_dir / "logs"
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        self.api = start_api(c.settings, port, o.api_workers, logs)
        if self.product:
            first = start_worker(c.settings, logs)
            consumer = c.settings.resolver_name
        else:
            first = start_resolver(c.settings, RESOLVER_NAME, logs)
            consumer = RESOLVER_NAME
        # More resolvers of the same workspace, each its own process and consumer.
        consumers = [consumer, *(f"{consumer}.{n}" for n in range(2, o.resolvers + 1))]
        beside = [
            start_resolver(c.settings, name, logs, f"resolver-{n}")
            for n, name in enumerate(consumers[1:], start=2)
        ]
        self.worker = Children(first, *beside)
        await asyncio.to_thread(wait_ready, self.api, base_url)
        return base_url, consumers

    async def _load_and_pause(self, base_url: str, consumers: list[str]) -> None:
        """The workspace loaded (the product), every resolver consuming, then the worker
        paused and the memory monitor started."""
        c = self.container
        assert self.worker is not None and self.api is not None and self.services is not None
        if self.product:
            self.receiver = WebhookReceiver(c.settings.signing_secrets)
            self.workspace = Workspace.load(self.o.workspace_file)
            self.results["workspace"] = await self.load_workspace(base_url)
            summary = self.results["workspace"]
            self.log(
                f"workspace {summary['file']} loaded through GraphQL: {summary['segments']} "
                f"segments, {summary['journeys']} journeys, {summary['destinations']} "
                f"destination(s), all active; receiver on {self.receiver.url}"
            )
        for child, name in zip(self.worker.all, consumers, strict=True):
            await self.wait_consumer(child, name)
        self.worker.pause()
        api, worker, services = self.api, self.worker, self.services
        label = "worker" if self.product else "resolver"
        self.monitor = MemoryMonitor(
            lambda: {"api": api.pid, label: worker.pid, **worker.pids(), **services.pids()}
        )
        self.monitor.start()
        configuration = self.results["configuration"]["label"]
        self.log(f"API on {base_url}, {label} paused; ready ({configuration})")

    async def _warm_up(self, base_url: str, auth: str, source_id: str) -> None:
        """The same path once, so that no phase pays for JIT and query planning."""
        o = self.o
        assert self.worker is not None
        self.phase("warmup")
        warm = self.generator(9000, truth=True, batch_size=o.batch_size)
        self.warm_bodies, warm_ids = encode_all(warm.batches(o.warmup_events))
        self.warm_truth = warm.truth
        await post_all(base_url, auth, self.warm_bodies, o.clients)
        warmed = await self.drain(o.drain_timeout)
        warmed["check"] = await self.check_stored("warm-up", source_id, warm_ids)
        self.results["warmup"] = warmed
        self.worker.pause()
        self.log(f"warm-up: {warm.stats.messages:,} events sent and resolved")

    async def _accepted_and_resolved(
        self, ws: str, base_url: str, auth: str, source_id: str
    ) -> list[tuple[bytes, int]]:
        """(a) accepted events/s, the API alone; (b) resolved events/s, the backlog drained.
        Returns the encoded bodies (the raw phase writes the same messages)."""
        o = self.o
        self.phase("accepted")
        traffic = self.generator(0, truth=True, batch_size=o.batch_size)
        # Encoded before the clock starts; the dicts themselves are not kept.
        bodies, message_ids = encode_all(traffic.batches(o.events))
        if traffic.stats.last_at > time.time():
            self.note("generated timestamps reach the future: the API will clamp them")
        self.results["traffic"] = {**asdict(traffic.stats), "truth_identifiers": len(traffic.truth)}
        before = await self.stats()
        posted = await post_all(base_url, auth, bodies, o.clients)
        after = await self.stats()
        self.results["accepted"] = {
            **posted.as_dict(),
            "clients": o.clients,
            "batch_size": o.batch_size,
            "new_in_stream": after.get("accepted", 0) - before.get("accepted", 0),
        }
        self.log(
            f"(a) accepted {posted.messages:,} messages in {posted.seconds:.2f}s: "
            f"{posted.messages_per_second:,.0f}/s ({posted.rejected_429} x 429)"
        )
        self.phase("resolved")
        resolved = await self.drain(o.drain_timeout)
        resolved["check"] = await self.check_stored("(b) resolved", source_id, message_ids)
        graph_stats = (await self.container.graph.read("graph/stats", ws=ws))[0]
        resolved["events_in_graph"] = graph_stats["events"]
        resolved["profiles_in_graph"] = graph_stats["profiles"]
        self.results["resolved"] = resolved
        self.log(
            f"(b) resolved {resolved['events']:,} events in {resolved['seconds']}s: "
            f"{resolved['events_per_second']:,}/s{self._settled(resolved)}; Neo4j holds the "
            f"{resolved['check']['stored']:,} distinct events sent"
        )
        return bodies

    async def _returning_and_accuracy(
        self, ws: str, base_url: str, auth: str, source_id: str
    ) -> None:
        """(r) the same people, a new session each, drained like (b); (d) accuracy against
        the truth (the returning sessions' anonymous ids included), before any other traffic."""
        assert self.worker is not None
        self.phase("returning")
        self.worker.pause()
        returning = self.generator(0, truth=True, batch_size=self.o.batch_size)
        self.results["returning"] = await self.returning(
            base_url, auth, source_id, returning, self.results["resolved"]
        )
        self.phase("accuracy")
        self.results["accuracy"] = await self.accuracy(ws, returning)
        acc = self.results["accuracy"]
        pw, b3 = acc["pairwise"], acc["bcubed"]
        self.log(
            f"(d) accuracy over {acc['items']:,} identifiers: pairwise P {pw['precision']:.4f}"
            f" R {pw['recall']:.4f}; B-cubed P {b3['precision']:.4f} R {b3['recall']:.4f};"
            f" junk identifiers {acc['junk_identifiers']}"
        )

    async def _latency_raw_and_scale_out(
        self, ws: str, base_url: str, auth: str, source_id: str, bodies: list[tuple[bytes, int]]
    ) -> None:
        """(c) latency at a fixed offered rate; (e) the raw limit on the same messages; (o)
        the same shape of traffic drained by 1, 2 and 4 resolver processes."""
        o = self.o
        self.phase("latency")
        latency = await self.latency(ws, base_url, auth, source_id, 1000, o.latency_seconds)
        self.results["latency"] = latency
        self.log(
            f"(c) latency at {o.latency_rate:.0f}/s: p50 {latency['p50_ms']} p95 "
            f"{latency['p95_ms']} p99 {latency['p99_ms']} p99.9 {latency['p99_9_ms']} ms"
        )
        self.phase("raw")
        self.results["raw"] = await self.raw(source_id, bodies)
        if o.scale_out:
            self.phase("scale-out")
            self.results["scale_out"] = await self.scale_out(base_url, auth, source_id)

    async def _growth_and_sustained(self, ws: str, base_url: str) -> None:
        """(f) growth, then (s) the sustained rate, last: on the largest graph of the run.

        The measured traffic and the raw workspace are removed first, so that the graph holds
        the seeded profiles and nothing else (wiping the workspace removes its source,
        segments, journeys, destinations and API keys too: they are made again)."""
        o, c = self.o, self.container
        base = self.base_point()
        base["profiles"] = await count_profiles(c.graph.driver, c.graph.database, ws)
        self.results["growth"] = {"points": [base]}
        if not o.growth and o.sustain_seconds <= 0:
            return
        self.phase("wipe")
        await self.wait_idle()
        if self.product:
            self.results["workspace_activity"] = await self.activity(base_url)
        for name in (ws, RAW_WS):
            await c.graph.run_auto_commit("graph/wipe_workspace", ws=name)
        created = await c.sources.create("bench-growth")
        auth, source_id = basic_auth(created.write_key), created.source.id
        if self.product:
            await self.load_workspace(base_url)
        for step, target in enumerate(o.growth, start=1):
            point = await self.growth(ws, base_url, auth, source_id, step, target)
            self.results["growth"]["points"].append(point)
        if o.sustain_seconds > 0:
            self.phase("sustained")
            self.results["sustained"] = await self.sustained(base_url, auth)


def parse_args(argv: list[str] | None = None) -> Options:
    return options_from(build_parser(__doc__).parse_args(argv))


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    console = Console()
    bench = Bench(options, console)
    results = asyncio.run(bench.run())
    results["targets"] = judge(results)
    print_report(results, console)
    path = write_json(results, options.out, bench.stamp)
    console.print(f"results: {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")
    image = plot(results, options.out / "latest.png")
    if image is not None:
        console.print(f"plot: {image.relative_to(REPO) if image.is_relative_to(REPO) else image}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
