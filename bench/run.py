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

import argparse
import asyncio
import contextlib
import itertools
import math
import os
import platform
import sys
import time
from collections.abc import Collection, Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import psutil
from redis.exceptions import ResponseError
from rich.console import Console

from app.adapters.valkey.changes import GROUP as FEED_GROUP
from app.adapters.valkey.keys import WorkspaceKeys
from app.adapters.valkey.stream import EventStream
from app.bootstrap import Container, build_container
from app.privacy import BlindIndex
from app.settings import load_settings
from bench.accuracy import evaluate
from bench.convert import Identities
from bench.generator import DAY, Batch, TrafficConfig, TrafficGenerator
from bench.load import (
    ArrivalProbe,
    PostStats,
    basic_auth,
    encode,
    latency_summary,
    percentile,
    post_all,
    post_paced,
    sample_stats,
)
from bench.monitor import MemoryMonitor, gc_pauses, store_sizes
from bench.raw import RAW_WS, RawPreparer, prepare, run_raw
from bench.receiver import WebhookReceiver
from bench.report import judge, plot, print_report, write_json
from bench.scale import LockSampler, RealTimeWriter
from bench.seed import count_profiles, seed_to
from bench.stack import (
    REPO,
    BenchServices,
    Child,
    Children,
    StackOptions,
    free_port,
    start_api,
    start_resolver,
    start_worker,
    wait_ready,
)
from bench.workspace import WORKSPACE_FILE, Workspace, activity, apply, time_activation

#: The real-time chain the latency phase times: a login enters this segment, and entering it
#: starts this journey (bench/workspace.yaml).
REAL_TIME_SEGMENT = "known_customers"
FOLLOW_UP = ("changes", "journey_jobs", "destination_items")
REAL_TIME_JOURNEY = "welcome_series"
#: Seconds of unmeasured small-batch traffic before each latency measurement.
LATENCY_WARMUP_SECONDS = 3.0
RESULTS_DIR = REPO / "bench" / "results"
#: The consumer name of the resolver of `--resolver-only` (the worker's is
#: `settings.resolver_name`).
RESOLVER_NAME = "bench-resolver"
#: Event ids per lookup when the stored events of a phase are counted.
CHECK_CHUNK = 5_000
PRODUCT = "product: cdp worker (resolver, segments, journeys, destinations), workspace loaded"
RESOLVER_ONLY = "resolver only: cdp resolver, no segments, journeys or destinations"


class StoredEventsMismatch(RuntimeError):
    """Neo4j does not hold exactly the distinct events a phase sent."""


@dataclass(frozen=True)
class Options:
    mode: str = "quick"
    events: int = 20_000
    clients: int = 16
    batch_size: int = 100
    latency_rate: float = 500.0
    latency_seconds: float = 10.0
    latency_batch: int = 10
    #: One event in N is followed by the arrival probe. Each poll reads every outstanding
    #: event's profile (about 100 ms of Neo4j's time per 2,000 events on an idle server), so
    #: following every one makes the probe's load grow with the backlog it is timing.
    latency_sample: int = 10
    #: 1 % above the 3,000 events/s target: pacing and the requests still in flight at the end
    #: keep the achieved rate a little under the offered one (3,000 offered came out as
    #: 2,999.8), so a resolver that keeps up could not show 3,000 when offered exactly that.
    sustain_rate: float = 3_030.0
    sustain_seconds: float = 0.0
    growth: tuple[int, ...] = (10_000, 100_000)
    growth_events: int = 5_000
    growth_latency_seconds: float = 5.0
    raw_batch: int = 1_000
    seed_batch: int = 2_000
    seed_concurrency: int = 2
    #: Events sent and resolved before anything is measured (JIT, query plans, pools).
    warmup_events: int = 20_000
    seed: int = 1
    api_workers: int = 1
    resolver_batch_entries: int | None = None
    neo4j_heap: str | None = None
    neo4j_pagecache: str | None = None
    #: Seconds the whole run may take; optional growth steps are skipped to stay inside.
    budget: float | None = 170.0
    drain_timeout: float = 600.0
    keep_services: bool = False
    out: Path = field(default=RESULTS_DIR)
    #: The former configuration: `cdp resolver` alone, no workspace loaded.
    resolver_only: bool = False
    #: Resolver processes of the workspace: the worker's (or the lone resolver) and N - 1
    #: `cdp resolver` processes beside it.
    resolvers: int = 1
    #: Resolver counts of the scale-out phase (o), each draining `scale_out_events` events of
    #: new people; empty skips the phase.
    scale_out: tuple[int, ...] = (1, 2, 4, 2, 1)
    scale_out_events: int = 10_000
    #: The traffic without consent answers, plans, countries and values (as it was before).
    identity_traffic: bool = False
    workspace_file: Path = field(default=WORKSPACE_FILE)
    #: When set, the sustained phase offers this share of the rate phase (b) resolved, instead
    #: of `sustain_rate` (the soak run holds half the measured capacity).
    sustain_fraction: float | None = None


#: Neo4j's memory for the benchmark: with the platform's development default (768 MiB heap)
#: the JVM spent 11 % of a quick run's wall-clock time in stop-the-world pauses (497 pauses,
#: 11.0 s in 96 s); with 2 GiB, 8.6 s in 88 s, almost all of it in the seeding and raw phases.
QUICK = Options(neo4j_heap="2g", neo4j_pagecache="1g")
FULL = Options(
    mode="full",
    neo4j_heap="2g",
    # The 1M-profile store is about 17 GiB: give the page cache a real share of the 24 GiB.
    neo4j_pagecache="8g",
    events=300_000,
    latency_seconds=60.0,
    sustain_seconds=600.0,
    growth=(10_000, 100_000, 1_000_000),
    growth_events=50_000,
    growth_latency_seconds=30.0,
    budget=None,
    drain_timeout=3_600.0,
)
#: `make soak` (not part of the tests): the quick run's measurements, then half the capacity
#: phase (b) measured held for an hour, with the memory of every process and the lag sampled.
SOAK = Options(
    mode="soak",
    neo4j_heap="2g",
    neo4j_pagecache="1g",
    growth=(),
    sustain_seconds=3_600.0,
    sustain_fraction=0.5,
    budget=None,
)


class Bench:
    """One benchmark run: services, processes, phases, results."""

    def __init__(self, options: Options, console: Console) -> None:
        self.o = options
        self.console = console
        self.clock0 = time.monotonic()
        self.stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        # Whole days, so that runs on the same day send identical traffic for one seed.
        self.traffic_start = (math.floor(time.time() / DAY) - 90) * DAY
        # Returning visits: yesterday (a whole day again, for the same reason).
        self.returning_start = (math.floor(time.time() / DAY) - 1) * DAY
        self.results: dict[str, Any] = {
            "mode": options.mode,
            "started_at": self.stamp,
            "configuration": {
                "label": RESOLVER_ONLY if options.resolver_only else PRODUCT,
                "resolver_only": options.resolver_only,
                "process": "cdp resolver" if options.resolver_only else "cdp worker",
                "traffic": "identity only" if options.identity_traffic else "marketing",
                "resolvers": options.resolvers,
            },
            "options": {
                k: _portable(v) if isinstance(v, Path) else v for k, v in asdict(options).items()
            },
            "machine": {
                "cpus": os.cpu_count(),
                "memory_bytes": int(psutil.virtual_memory().total),
                "platform": platform.platform(),
                "python": sys.version.split()[0],
                "load_average_at_start": list(os.getloadavg()),
            },
            "notes": [],
        }
        self.services: BenchServices | None = None
        self.api: Child | None = None
        #: The process that consumes the stream: `cdp worker`, or `cdp resolver` alone.
        self.worker: Children | None = None
        self.monitor: MemoryMonitor | None = None
        self.receiver: WebhookReceiver | None = None
        self.workspace: Workspace | None = None
        #: An admin API key for the GraphQL API (made again after a workspace wipe).
        self.api_key: str | None = None
        #: (phase, wall-clock start), to set Neo4j's GC pauses against the phases.
        self.phase_starts: list[tuple[str, float]] = []
        self._container: Container | None = None
        self.seed_rate = 2_000.0  # profiles/s, until measured
        self.warm_bodies: list[tuple[bytes, int]] = []
        self.warm_truth: dict[tuple[str, str], str] = {}

    # -- helpers --------------------------------------------------------------------------

    def log(self, text: str) -> None:
        self.console.log(f"[{time.monotonic() - self.clock0:6.1f}s] {text}")

    def note(self, text: str) -> None:
        self.results["notes"].append(text)
        self.log(f"[yellow]{text}[/yellow]")

    def remaining(self) -> float:
        if self.o.budget is None:
            return math.inf
        return self.o.budget - (time.monotonic() - self.clock0)

    def generator(self, offset: int, *, truth: bool, batch_size: int) -> TrafficGenerator:
        config = TrafficConfig(
            seed=self.o.seed + offset,
            start=self.traffic_start,
            batch_size=batch_size,
            track_truth=truth,
            marketing=not self.o.identity_traffic,
        )
        return TrafficGenerator(config, self.container.rules)

    @property
    def container(self) -> Container:
        assert self._container is not None, "no container before the services are up"
        return self._container

    @property
    def product(self) -> bool:
        """The product as `make run` deploys it (not `--resolver-only`)."""
        return not self.o.resolver_only

    def phase(self, name: str) -> None:
        self.phase_starts.append((name, time.time()))
        if self.monitor is not None:
            self.monitor.phase(name)

    async def stats(self) -> dict[str, int]:
        return await self.container.stream.stats()

    async def wait_consumer(self, child: Child, name: str, timeout: float = 180.0) -> None:
        """Until the resolver's consumer is registered (its first XREADGROUP)."""
        stream = self.container.stream
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            child.check()
            try:
                consumers = await self.container.redis.xinfo_consumers(
                    stream.stream, EventStream.GROUP
                )
            except ResponseError:
                consumers = []
            names = {
                c["name"].decode() if isinstance(c["name"], bytes) else c["name"] for c in consumers
            }
            if name in names:
                return
            await asyncio.sleep(0.2)
        raise RuntimeError(f"the {child.name} did not start consuming in time (log: {child.log})")

    async def drain(self, timeout: float) -> dict[str, Any]:
        """Resume the worker and time it until the stream backlog is empty; then (the product)
        until what the resolver's changes set off is done (`settled_seconds`, not timed in the
        rate)."""
        assert self.worker is not None
        before = await self.stats()
        started = time.monotonic()
        self.worker.resume()
        after = before
        while time.monotonic() - started < timeout:
            after = await self.stats()
            if after.get("pending", 0) == 0:
                break
            self.worker.check()
            await asyncio.sleep(0.1)
        seconds = time.monotonic() - started
        processed = after.get("processed", 0) - before.get("processed", 0)
        result: dict[str, Any] = {
            "events": processed,
            "seconds": round(seconds, 3),
            "events_per_second": round(processed / seconds, 1) if seconds > 0 else None,
            "pending_at_end": after.get("pending", 0),
            "failed": after.get("failed", 0) - before.get("failed", 0),
            "dead_lettered": after.get("dead_lettered", 0) - before.get("dead_lettered", 0),
        }
        if self.product:
            result["follow_up_at_drain"] = await self.follow_up()
            settled = await self.settle(max(0.0, timeout - seconds))
            result["settled_seconds"] = (
                round(time.monotonic() - started, 3) if settled is None else None
            )
            if settled is not None:
                self.note(f"the worker had not caught up {timeout:.0f}s in: {settled}")
        return result

    async def follow_up(self) -> dict[str, int]:
        """What the worker still has to do after the resolver: change-feed entries not yet
        handled, destination items waiting, and journey jobs due or running (waits deferred to
        later are not counted)."""
        c = self.container
        ws = c.settings.workspace
        names = [str(d["name"]) for d in self.workspace.destinations] if self.workspace else []
        keys = WorkspaceKeys(ws)
        pipe = c.redis.pipeline(transaction=False)
        for name in names:
            pipe.xlen(keys.destination(name, "outbox"))
        pipe.zcount(keys.job_queue, "-inf", int(time.time() * 1000))
        found = await pipe.execute()
        return {
            "changes": await self.feed_backlog(keys.changes),
            "destination_items": sum(int(n) for n in found[:-1]),
            "journey_jobs": int(found[-1]),
        }

    async def feed_backlog(self, stream: str) -> int:
        """Change-feed entries the consumer group has not acknowledged: those delivered and in
        hand, and those not delivered yet (entries older than the group are not counted)."""
        redis = self.container.redis
        try:
            groups = await redis.xinfo_groups(stream)
        except ResponseError:  # no stream yet: nothing changed
            return 0
        for group in groups:
            name = group["name"].decode() if isinstance(group["name"], bytes) else group["name"]
            if name == FEED_GROUP:
                lag = group.get("lag")
                waiting = int(lag) if lag is not None else int(await redis.xlen(stream))
                return int(group["pending"]) + waiting
        return int(await redis.xlen(stream))

    async def settle(self, timeout: float) -> dict[str, int] | None:
        """Until the worker has nothing left to do (None), or what was left at the timeout."""
        deadline = time.monotonic() + timeout
        while True:
            left = await self.follow_up()
            if not any(left.values()):
                return None
            if time.monotonic() > deadline:
                return left
            if self.worker is not None:
                self.worker.check()
            await asyncio.sleep(0.2)

    async def wait_idle(self, timeout: float = 120.0) -> None:
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if (await self.stats()).get("pending", 0) == 0:
                break
            await asyncio.sleep(0.1)
        else:
            self.note(f"the stream was not empty after {timeout:.0f}s")
            return
        if self.product:
            left = await self.settle(max(0.0, timeout - (time.monotonic() - started)))
            if left is not None:
                self.note(f"the worker had not caught up after {timeout:.0f}s: {left}")

    async def check_stored(
        self, phase: str, source_id: str, message_ids: Collection[str]
    ) -> dict[str, int]:
        """Neo4j must hold exactly the distinct events the phase sent (replayed batches and
        retries are part of the traffic): otherwise the run fails here."""
        c = self.container
        ws = c.settings.workspace
        ids = [f"{ws}:{source_id}:{m}" for m in message_ids]
        stored = 0
        for i in range(0, len(ids), CHECK_CHUNK):
            rows = await c.graph.read(
                "identity/batch_state", ids=ids[i : i + CHECK_CHUNK], keys=[], identifiers=[]
            )
            stored += len(rows[0]["ids"]) if rows else 0
        if stored != len(ids):
            stream = await self.stats()
            raise StoredEventsMismatch(
                f"{phase}: {len(ids):,} distinct events were sent but Neo4j holds {stored:,} of "
                f"them ({len(ids) - stored:,} missing); stream counters: failed "
                f"{stream.get('failed', 0):,}, dead-lettered {stream.get('dead_lettered', 0):,}, "
                f"pending {stream.get('pending', 0):,} (process logs: "
                f"{self.services.data_dir / 'logs' if self.services else '-'})"
            )
        return {"distinct_sent": len(ids), "stored": stored}

    # -- the workspace --------------------------------------------------------------------

    async def load_workspace(self, base_url: str) -> dict[str, Any]:
        """An admin key, then the workspace file through GraphQL, everything activated."""
        assert self.workspace is not None and self.receiver is not None
        created = await self.container.apikeys.create("bench", "admin", None)
        self.api_key = created.secret
        started = time.monotonic()
        await apply(base_url, created.secret, self.workspace.with_receiver(self.receiver.url))
        return {**self.workspace.summary(), "load_seconds": round(time.monotonic() - started, 2)}

    async def activity(self, base_url: str) -> dict[str, Any]:
        """Members, journey runs and deliveries so far (the API's view and the receiver's)."""
        assert self.api_key is not None and self.receiver is not None
        return {
            **await activity(base_url, self.api_key),
            "receiver": self.receiver.snapshot(),
        }

    # -- the run --------------------------------------------------------------------------

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
        o = self.o
        c = self.container
        assert self.services is not None
        await c.graph.apply_schema()
        await self._clean(ws)
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
        created = await c.sources.create("bench")
        auth = basic_auth(created.write_key)
        source_id = created.source.id
        if self.product:
            self.receiver = WebhookReceiver(c.settings.signing_secrets)
            self.workspace = Workspace.load(o.workspace_file)
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

        # Warm-up: the same path once, so that no phase pays for JIT and query planning.
        if o.warmup_events > 0:
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

        # (a) accepted events/s, the API alone.
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

        # (b) resolved events/s: drain the backlog.
        self.phase("resolved")
        resolved = await self.drain(o.drain_timeout)
        resolved["check"] = await self.check_stored("(b) resolved", source_id, message_ids)
        graph_stats = (await c.graph.read("graph/stats", ws=ws))[0]
        resolved["events_in_graph"] = graph_stats["events"]
        resolved["profiles_in_graph"] = graph_stats["profiles"]
        self.results["resolved"] = resolved
        self.log(
            f"(b) resolved {resolved['events']:,} events in {resolved['seconds']}s: "
            f"{resolved['events_per_second']:,}/s{self._settled(resolved)}; Neo4j holds the "
            f"{resolved['check']['stored']:,} distinct events sent"
        )

        # (r) returning people: the same people, a new session each, drained like (b).
        self.phase("returning")
        self.worker.pause()
        returning = self.generator(0, truth=True, batch_size=o.batch_size)
        self.results["returning"] = await self.returning(
            base_url, auth, source_id, returning, resolved
        )

        # (d) accuracy against the truth (the returning sessions' anonymous ids included),
        # before any other traffic.
        self.phase("accuracy")
        self.results["accuracy"] = await self.accuracy(ws, returning)
        acc = self.results["accuracy"]
        pw, b3 = acc["pairwise"], acc["bcubed"]
        self.log(
            f"(d) accuracy over {acc['items']:,} identifiers: pairwise P {pw['precision']:.4f}"
            f" R {pw['recall']:.4f}; B-cubed P {b3['precision']:.4f} R {b3['recall']:.4f};"
            f" junk identifiers {acc['junk_identifiers']}"
        )
        del returning, traffic

        # (c) latency at a fixed offered rate.
        self.phase("latency")
        latency = await self.latency(ws, base_url, auth, source_id, 1000, o.latency_seconds)
        self.results["latency"] = latency
        self.log(
            f"(c) latency at {o.latency_rate:.0f}/s: p50 {latency['p50_ms']} p95 "
            f"{latency['p95_ms']} p99 {latency['p99_ms']} p99.9 {latency['p99_9_ms']} ms"
        )

        # (e) the raw limit on the same messages.
        self.phase("raw")
        self.results["raw"] = await self.raw(source_id, bodies)

        # (o) scale-out: the same shape of traffic drained by 1, 2 and 4 resolver processes.
        if o.scale_out:
            self.phase("scale-out")
            self.results["scale_out"] = await self.scale_out(base_url, auth, source_id)

        # (f) growth. The measured traffic and the raw workspace are removed first, so that
        # the graph holds the seeded profiles and nothing else (wiping the workspace removes
        # its source, segments, journeys, destinations and API keys too: they are made again).
        base = self.base_point()
        base["profiles"] = await count_profiles(c.graph.driver, c.graph.database, ws)
        self.results["growth"] = {"points": [base]}
        if o.growth or o.sustain_seconds > 0:
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

        # (s) sustained rate with the lag sampled, last: on the largest graph of the run.
        if o.sustain_seconds > 0:
            self.phase("sustained")
            self.results["sustained"] = await self.sustained(base_url, auth)

        # (g) memory and disk.
        assert self.monitor is not None
        self.monitor.sample()
        store_dir = self.services.store_dir()
        store = store_sizes(store_dir) if store_dir else None
        self.results["memory"] = {
            "peak_rss_bytes": dict(self.monitor.peak),
            "peak_rss_bytes_by_phase": self.monitor.by_phase,
            # CPU seconds per process and phase (the benchmark's own process included): on
            # a machine whose cores every process shares, where they went.
            "cpu_seconds_by_phase": self.monitor.cpu_by_phase,
            "store_bytes": store["total"] if store else None,
            "store": store,
        }
        if self.product:
            await self.wait_idle()
            if "workspace_activity" not in self.results:
                self.results["workspace_activity"] = await self.activity(base_url)
            assert self.receiver is not None
            self.results["receiver_at_end"] = self.receiver.snapshot()
        if self.services is not None and self.services.neo4j is not None:
            gc_log = self.services.neo4j.instance_dir / "logs" / "gc.log"
            self.results["gc_pauses_by_phase"] = gc_pauses(gc_log, self.phase_starts)
        self.results["machine"]["load_average_at_end"] = list(os.getloadavg())
        self.results["seconds"] = round(time.monotonic() - self.clock0, 1)

    async def scale_out(self, base_url: str, auth: str, source_id: str) -> dict[str, Any]:
        """For each resolver count: new people's traffic posted with every resolver paused,
        then drained by the worker's resolver and count - 1 `cdp resolver` processes beside
        it, while the open transactions are sampled for lock waits and a real-time writer
        sets traits on profiles the traffic does not touch."""
        o, c = self.o, self.container
        assert self.worker is not None and self.services is not None
        logs = self.services.data_dir / "logs"
        base = self.worker
        rows = await c.graph.read(
            "traits/active_profile_ids", ws=c.settings.workspace, after="", limit=200
        )
        targets = [str(r["id"]) for r in rows]
        # The same writes with nothing else writing: what they cost on their own.
        idle = RealTimeWriter(c.profiles, targets)
        stop_idle = asyncio.Event()
        idle_task = asyncio.create_task(idle.run(stop_idle))
        await asyncio.sleep(5.0)
        stop_idle.set()
        await idle_task
        steps: list[dict[str, Any]] = []
        for k, count in enumerate(o.scale_out):
            base.pause()
            names = [f"{c.settings.resolver_name}.scale-{k}-{n}" for n in range(2, count + 1)]
            beside = [
                start_resolver(c.settings, name, logs, f"scale-{k}-{n}")
                for n, name in enumerate(names, start=2)
            ]
            for child, name in zip(beside, names, strict=True):
                await self.wait_consumer(child, name)
                child.pause()
            traffic = self.generator(7000 + k, truth=False, batch_size=o.batch_size)
            bodies, message_ids = encode_all(traffic.batches(o.scale_out_events))
            await post_all(base_url, auth, bodies, o.clients)
            before = await self.stats()
            sampler = LockSampler(c.graph.driver, c.graph.database)
            writer = RealTimeWriter(c.profiles, targets)
            stop = asyncio.Event()
            background = [asyncio.create_task(x.run(stop)) for x in (sampler, writer)]
            self.worker = Children(*base.all, *beside)
            try:
                drained = await self.drain(o.drain_timeout)
            finally:
                stop.set()
                await asyncio.gather(*background)
                self.worker.pause()
                self.worker = base
                for child in beside:
                    await asyncio.to_thread(child.stop)
            after = await self.stats()
            drained["check"] = await self.check_stored(f"(o) {count}", source_id, message_ids)
            step = {
                "resolvers": count,
                **drained,
                "retried": after.get("retried", 0) - before.get("retried", 0),
                "locks": sampler.summary(),
                "real_time_writes": writer.summary(),
            }
            steps.append(step)
            self.log(
                f"(o) {count} resolver(s): {drained['events']:,} events in {drained['seconds']}s "
                f"= {drained['events_per_second']:,}/s, {step['retried']} retried; "
                f"stripe-lock waits {step['locks']['share_waiting_on_a_stripe_lock']}, "
                f"set_trait p50 {step['real_time_writes'].get('p50_ms')} ms"
            )
        base.resume()
        return {
            "events_per_step": o.scale_out_events,
            "real_time_writes_idle": idle.summary(),
            "steps": steps,
        }

    @staticmethod
    def _settled(drained: dict[str, Any]) -> str:
        settled = drained.get("settled_seconds")
        return "" if settled is None else f" (the worker settled {settled}s after resuming)"

    async def returning(
        self,
        base_url: str,
        auth: str,
        source_id: str,
        generator: TrafficGenerator,
        new: dict[str, Any],
    ) -> dict[str, Any]:
        """The people of (a) come back: posted with the worker paused, then drained as (b)."""
        o = self.o
        bodies, message_ids = encode_all(generator.returning(o.events, self.returning_start))
        stats = generator.returning_stats
        posted = await post_all(base_url, auth, bodies, o.clients)
        drained = await self.drain(o.drain_timeout)
        drained["check"] = await self.check_stored("(r) returning", source_id, message_ids)
        rate, new_rate = drained["events_per_second"], new["events_per_second"]
        ratio = round(rate / new_rate, 3) if rate and new_rate else None
        self.log(
            f"(r) {stats.people:,} people came back: {drained['events']:,} events resolved in "
            f"{drained['seconds']}s: {rate:,}/s{self._settled(drained)}; returning / new {ratio}"
        )
        return {
            "traffic": asdict(stats),
            "accepted": posted.as_dict(),
            "resolved": drained,
            "events_per_second": rate,
            "ratio_to_new": ratio,
        }

    def base_point(self) -> dict[str, Any]:
        return {
            "target": None,
            "label": "after the measured traffic",
            "resolved_per_second": self.results["resolved"]["events_per_second"],
            "p99_ms": self.results["latency"]["p99_ms"],
            "p50_ms": self.results["latency"]["p50_ms"],
        }

    async def accuracy(self, ws: str, traffic: TrafficGenerator) -> dict[str, Any]:
        c = self.container
        rows = await c.graph.read("identity/partition", ws=ws)
        profile_of: dict[str, str] = {}
        not_single = 0
        for row in rows:
            if len(row["profiles"]) != 1:
                not_single += 1
                continue
            profile_of[row["key"]] = row["profiles"][0]
        kid, keys = c.settings.hmac_keyring
        index = BlindIndex(keys, kid)

        def key_of(type_: str, value: str) -> str:
            return f"{ws}:{type_}:{kid}:{index.digest(ws, type_, value)}"

        predicted: dict[tuple[str, str], str] = {}
        for ident in traffic.truth:
            profile = profile_of.get(key_of(*ident))
            if profile is not None:
                predicted[ident] = profile
        junk = sum(1 for ident in traffic.junk_identifiers() if key_of(*ident) in profile_of)
        warm = sum(1 for ident in self.warm_truth if key_of(*ident) in profile_of)
        result = evaluate(predicted, traffic.truth).as_dict()
        result.update(
            {
                "truth_identifiers": len(traffic.truth),
                "truth_missing_from_graph": len(traffic.truth) - len(predicted),
                "graph_identifiers": len(rows),
                "graph_identifiers_of_the_warmup": warm,
                # Identifiers that no generated person owns (a leak of junk would show here).
                "graph_identifiers_unexplained": len(profile_of) - len(predicted) - warm,
                "identifiers_without_exactly_one_profile": not_single,
                "junk_identifiers": junk,
            }
        )
        return result

    async def latency(
        self, ws: str, base_url: str, auth: str, source_id: str, offset: int, seconds: float
    ) -> dict[str, Any]:
        o = self.o
        if self.worker is not None:
            self.worker.resume()
        await self.wait_idle()
        # Warm the small-batch path first (not measured): a JVM that has only seen large
        # batches compiles the small ones' plans and code paths on the clock otherwise.
        warm = list(
            self.generator(offset + 500, truth=False, batch_size=o.latency_batch).batches(
                int(o.latency_rate * LATENCY_WARMUP_SECONDS) + 100
            )
        )
        await post_paced(base_url, auth, iter(warm), o.latency_rate, LATENCY_WARMUP_SECONDS)
        await self.wait_idle()
        traffic = self.generator(offset, truth=False, batch_size=o.latency_batch)
        identities = Identities(self.container.rules)
        probe = ArrivalProbe(self.container.graph)

        owned = itertools.count()
        # The real-time layer's chain, from each person's first message with a user id (it
        # logs them in): the profile enters a segment, which starts a journey's run.
        chain = self.real_time_chain()
        logins: dict[str, tuple[str, float]] = {}  # user id -> (event id, sent at)

        def on_send(batch: Batch, at: float) -> None:
            ids = [
                f"{ws}:{source_id}:{m['messageId']}"
                for m in batch.messages
                if identities.owned(m) and next(owned) % o.latency_sample == 0
            ]
            probe.expect(ids, at)
            if chain is not None:
                for m in batch.messages:
                    if m.get("userId") and m["userId"] not in logins:
                        logins[m["userId"]] = (f"{ws}:{source_id}:{m['messageId']}", at)

        done = asyncio.Event()
        probe_task = asyncio.create_task(probe.run(done, drain_timeout=60.0))
        backlog: list[dict[str, int]] = []
        sampler = None
        if self.product:
            sampler = asyncio.create_task(self.sample_follow_up(done, backlog))
        budget = int(o.latency_rate * seconds * 1.5) + 1_000
        # Generate before the clock starts: generating on the fly stalls the sender, which
        # then catches up in a burst, and the burst (not the offered rate) sets the latency.
        batches = list(traffic.batches(budget))
        try:
            posted = await post_paced(
                base_url, auth, iter(batches), o.latency_rate, seconds, on_send
            )
        finally:
            done.set()
            await probe_task
            if sampler is not None:
                await sampler
        real_time = None
        if chain is not None:
            await self.wait_idle()  # the segments decided, the journeys' first steps done
            real_time = await self.real_time_latency(chain, list(logins.values()), probe)
        return {
            **probe.summary(),
            "real_time": real_time,
            # The worker's queues while the phase ran (sampled every half second): change-feed
            # entries not handled yet, journey jobs due, destination items waiting.
            "follow_up_max": {k: max((b[k] for b in backlog), default=0) for k in FOLLOW_UP},
            "follow_up_median": {
                k: percentile(sorted(b[k] for b in backlog), 50) if backlog else 0
                for k in FOLLOW_UP
            },
            "offered_rate": o.latency_rate,
            "achieved_rate": round(posted.messages_per_second, 1),
            "batch_size": o.latency_batch,
            "followed_one_in": o.latency_sample,
            "seconds": seconds,
            "rejected_429": posted.rejected_429,
            "errors": posted.errors,
        }

    async def sample_follow_up(self, stop: asyncio.Event, out: list[dict[str, int]]) -> None:
        while not stop.is_set():
            out.append(await self.follow_up())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.5)

    def real_time_chain(self) -> tuple[str, str] | None:
        """(segment, journey) whose latency the latency phase measures, if the workspace has
        them: a login enters the segment, and entering it starts the journey."""
        if not self.product or self.workspace is None:
            return None
        segments = {str(d["name"]) for d in self.workspace.segments}
        journeys = {
            str(j["name"]): j.get("trigger", {}).get("segment_entered")
            for j in self.workspace.journeys
        }
        if REAL_TIME_SEGMENT in segments and journeys.get(REAL_TIME_JOURNEY) == REAL_TIME_SEGMENT:
            return REAL_TIME_SEGMENT, REAL_TIME_JOURNEY
        return None

    async def real_time_latency(
        self, chain: tuple[str, str], logins: list[tuple[str, float]], probe: ArrivalProbe
    ) -> dict[str, Any]:
        """From each login's send to its profile entering the segment, its journey run
        starting and the run's first step done, by the writers' clock (taken just before
        each commit; all processes share this machine's clock)."""
        segment, journey = chain
        sent = {event_id: at + probe.wall_offset for event_id, at in logins}
        found: dict[str, dict[str, Any]] = {}
        ids = sorted(sent)
        for i in range(0, len(ids), CHECK_CHUNK):
            rows = await self.container.graph.read(
                "bench/real_time_outcomes",
                ws=self.container.settings.workspace,
                ids=ids[i : i + CHECK_CHUNK],
                segment=segment,
                journey=journey,
            )
            found.update({str(r["id"]): r for r in rows})
        out: dict[str, Any] = {"segment": segment, "journey": journey, "logins": len(ids)}
        for name, column in (("segment", "segment_at"), ("run", "run_at"), ("step", "step_at")):
            values = [
                float(found[e][column]) - sent[e]
                for e in ids
                if e in found and found[e][column] is not None
            ]
            out[name] = {**latency_summary(values), "missing": len(ids) - len(values)}
        return out

    async def sustained(self, base_url: str, auth: str) -> dict[str, Any]:
        o = self.o
        if o.sustain_fraction is not None:
            measured = self.results["resolved"]["events_per_second"] or 0.0
            o = replace(o, sustain_rate=max(1.0, round(measured * o.sustain_fraction, 1)))
        assert self.worker is not None
        assert self.monitor is not None
        self.worker.resume()
        await self.wait_idle()
        memory_before = self.monitor.now()
        traffic = self.generator(2000, truth=False, batch_size=o.batch_size)
        c = self.container
        profiles = await count_profiles(c.graph.driver, c.graph.database, c.settings.workspace)
        samples: list[dict[str, float]] = []
        stop = asyncio.Event()
        sampler = asyncio.create_task(sample_stats(self.stats, stop, 1.0, samples))
        budget = int(o.sustain_rate * o.sustain_seconds * 1.2) + 1_000
        self.log(f"(s) holding {o.sustain_rate:,.0f} events/s for {o.sustain_seconds:.0f}s")
        try:
            # The rate counts distinct events (what a resolver must keep up with); the
            # generator's replayed batches come on top, as a tracker's retries do.
            posted = await post_paced(
                base_url,
                auth,
                traffic.batches(budget),
                o.sustain_rate,
                o.sustain_seconds,
                distinct_rate=True,
            )
        finally:
            stop.set()
            await sampler
        drain_started = time.monotonic()
        await self.wait_idle(o.drain_timeout)
        memory_after = self.monitor.now()
        result = summarise_sustained(samples, posted, o.sustain_rate)
        result["profiles_at_start"] = profiles
        # What each process holds after the window against before it (a leak grows steadily).
        result["rss_bytes_before"] = memory_before
        result["rss_bytes_after"] = memory_after
        result["rss_growth_bytes"] = {
            name: memory_after[name] - memory_before[name]
            for name in memory_after
            if name in memory_before
        }
        result["drain_seconds_after"] = round(time.monotonic() - drain_started, 1)
        self.log(
            f"(s) sustained {result['resolved_per_second']:,}/s; lag max "
            f"{result['max_pending']:,}, slope {result['lag_slope_per_second']}/s, "
            f"bounded: {result['lag_bounded']}"
        )
        return result

    async def raw(self, source_id: str, bodies: list[tuple[bytes, int]]) -> dict[str, Any]:
        c = self.container
        kid, keys = c.settings.hmac_keyring
        preparer = RawPreparer(RAW_WS, source_id, BlindIndex(keys, kid), Identities(c.rules))
        size = self.o.raw_batch
        if self.warm_bodies:  # not reported: plans and JIT, as the warm-up did for the platform
            warm = prepare(_messages(self.warm_bodies), preparer, size)
            await run_raw(c.graph.driver, c.graph.database, RAW_WS, warm, size)
        rows = prepare(_messages(bodies), preparer, size)
        result = await run_raw(c.graph.driver, c.graph.database, RAW_WS, rows, size)
        out = result.as_dict()
        ours = self.results["resolved"]["events_per_second"]
        out["ratio"] = round(ours / result.events_per_second, 3) if ours else None
        self.log(
            f"(e) raw writes {result.events_per_second:,.0f} events/s; ours/raw {out['ratio']}"
        )
        return out

    async def growth(
        self, ws: str, base_url: str, auth: str, source_id: str, step: int, target: int
    ) -> dict[str, Any]:
        o = self.o
        c = self.container
        assert self.worker is not None and self.services is not None
        current = await count_profiles(c.graph.driver, c.graph.database, ws)
        resolved_rate = max(100.0, float(self.results["resolved"]["events_per_second"] or 0))
        estimate = (
            max(0, target - current) / self.seed_rate
            + o.growth_events / resolved_rate
            + o.growth_latency_seconds
            + 15
        )
        if estimate > self.remaining():
            self.note(
                f"growth to {target:,} profiles skipped: needs ~{estimate:.0f}s, "
                f"{max(0.0, self.remaining()):.0f}s left in the time budget"
            )
            return {"target": target, "skipped": "time budget"}
        self.phase(f"seed {target}")
        await self.wait_idle()
        self.worker.pause()
        seeded = await seed_to(
            c.graph.driver, c.graph.database, ws, target, kid=c.settings.hmac_keyring[0],
            batch=o.seed_batch, concurrency=o.seed_concurrency,
        )  # fmt: skip
        # A bulk load outruns Neo4j's replanning: plans cached for the graph before the load
        # stay in use until their statistics are found stale, and ran 20 times slower.
        await c.graph.run_auto_commit("bench/prepare_for_replanning")
        if seeded.added:
            self.seed_rate = max(100.0, seeded.profiles_per_second)
        self.log(
            f"(f) seeded {seeded.added:,} profiles in {seeded.seconds:.1f}s "
            f"({seeded.profiles_per_second:,.0f}/s); {seeded.after:,} in the workspace"
        )
        self.phase(f"growth {target}")
        traffic = self.generator(3000 + step, truth=False, batch_size=o.batch_size)
        bodies, message_ids = encode_all(traffic.batches(o.growth_events))
        posted = await post_all(base_url, auth, bodies, o.clients)
        resolved = await self.drain(o.drain_timeout)
        resolved["check"] = await self.check_stored(
            f"(f) growth {target:,}", source_id, message_ids
        )
        latency = await self.latency(
            ws, base_url, auth, source_id, 4000 + step, o.growth_latency_seconds
        )
        activation = None
        if self.product and self.api_key is not None:
            # What a marketer meets at this size: a new segment activated over every profile.
            activation = await time_activation(base_url, self.api_key, f"bench_activation_{step}")
            self.log(
                f"(f) a segment activated over {activation['total']:,} profiles: answered in "
                f"{activation['answered_seconds']}s, {activation['status']} after "
                f"{activation['seconds']}s"
            )
        store = self.services.store_dir()
        point = {
            "target": target,
            "profiles": await count_profiles(c.graph.driver, c.graph.database, ws),
            "seed": seeded.as_dict(),
            "accepted_per_second": round(posted.messages_per_second, 1),
            "resolved_per_second": resolved["events_per_second"],
            "resolved": resolved,
            "p50_ms": latency["p50_ms"],
            "p99_ms": latency["p99_ms"],
            "latency": latency,
            "activation": activation,
            "store": store_sizes(store) if store else None,
        }
        self.log(
            f"(f) at {point['profiles']:,} profiles: resolved {point['resolved_per_second']:,}/s,"
            f" p99 {point['p99_ms']} ms"
        )
        return point


def encode_all(batches: Iterable[Batch]) -> tuple[list[tuple[bytes, int]], set[str]]:
    """Encoded /v1/batch bodies with their message counts, and the distinct message ids."""
    bodies: list[tuple[bytes, int]] = []
    ids: set[str] = set()
    for batch in batches:
        bodies.append((encode(batch), len(batch.messages)))
        ids.update(str(m["messageId"]) for m in batch.messages)
    return bodies, ids


def _messages(bodies: list[tuple[bytes, int]]) -> Iterator[dict[str, Any]]:
    """The messages of encoded /v1/batch bodies, decoded one body at a time."""
    for body, _ in bodies:
        yield from orjson.loads(body)["batch"]


def _portable(path: Path) -> str:
    """A path for the results: relative to the repository when inside it (results are
    committed and compared across machines)."""
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else path.name


def summarise_sustained(
    samples: list[dict[str, float]], posted: PostStats, rate: float
) -> dict[str, Any]:
    """Resolved rate over the window and the lag's trend over its second half."""
    if len(samples) < 2:
        return {"resolved_per_second": None, "lag_bounded": None, "samples": samples}
    first, last = samples[0], samples[-1]
    window = last["t"] - first["t"]
    resolved = (last["processed"] - first["processed"]) / window if window > 0 else 0.0
    half = samples[len(samples) // 2 :]
    slope = _slope([s["t"] for s in half], [s["pending"] for s in half])
    max_pending = max(s["pending"] for s in samples)
    # Bounded: over the second half, the trend of the backlog adds less than one second of
    # offered traffic (a backlog that only wobbles by a few stream entries has no trend).
    growth = slope * (half[-1]["t"] - half[0]["t"])
    bounded = growth <= rate
    return {
        "offered_rate": rate,
        "seconds": round(window, 1),
        "accepted_per_second": round(posted.messages_per_second, 1),
        "distinct_offered_per_second": round(posted.distinct / posted.seconds, 1)
        if posted.seconds > 0
        else 0.0,
        "resolved_per_second": round(resolved, 1),
        "max_pending": int(max_pending),
        "final_pending": int(last["pending"]),
        "lag_slope_per_second": round(slope, 2),
        "lag_growth_second_half": round(growth, 1),
        "max_lag_seconds": round(max_pending / rate, 2) if rate > 0 else None,
        "lag_bounded": bounded,
        "rejected_429": posted.rejected_429,
        "samples": samples,
    }


def _slope(xs: list[float], ys: list[float]) -> float:
    """Least-squares slope of ys over xs (0 for fewer than two distinct xs)."""
    n = len(xs)
    if n < 2:
        return 0.0
    mx, my = sum(xs) / n, sum(ys) / n
    var = sum((x - mx) ** 2 for x in xs)
    if var == 0:
        return 0.0
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / var


def _sizes(text: str) -> tuple[int, ...]:
    return tuple(int(part.replace("_", "")) for part in text.split(",") if part.strip())


def parse_args(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run",
        description=__doc__,
        formatter_class=argparse.RawTextHelpFormatter,
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="several minutes (the default)")
    mode.add_argument("--full", action="store_true", help="the full run (long: 1M profiles)")
    mode.add_argument(
        "--soak",
        action="store_true",
        help="half the measured capacity held for an hour: memory and lag growth",
    )
    parser.add_argument("--events", type=int, help="events of phases a/b/d/e")
    parser.add_argument("--clients", type=int, help="concurrent HTTP clients in phase a")
    parser.add_argument("--batch-size", type=int, help="messages per /v1/batch")
    parser.add_argument("--latency-rate", type=float, help="offered events/s in phase c")
    parser.add_argument("--latency-seconds", type=float)
    parser.add_argument("--latency-batch", type=int, help="messages per batch in phase c")
    parser.add_argument(
        "--latency-sample", type=int, help="phase c follows one event in N (1: every one)"
    )
    parser.add_argument("--sustain-rate", type=float, help="offered events/s, sustained phase")
    parser.add_argument("--sustain-seconds", type=float, help="0 skips the sustained phase")
    parser.add_argument("--growth", type=_sizes, help="profile counts, e.g. 10000,100000")
    parser.add_argument("--growth-events", type=int, help="events per growth step")
    parser.add_argument("--growth-latency-seconds", type=float)
    parser.add_argument("--raw-batch", type=int, help="messages per raw write transaction")
    parser.add_argument("--seed-batch", type=int, help="profiles per seeding transaction")
    parser.add_argument("--seed-concurrency", type=int, help="seeding transactions at once")
    parser.add_argument("--warmup-events", type=int, help="events resolved before measuring")
    parser.add_argument("--seed", type=int, help="traffic generator seed")
    parser.add_argument("--api-workers", type=int, help="uvicorn worker processes (default 1)")
    parser.add_argument("--resolver-batch-entries", type=int, help="stream entries per tx")
    parser.add_argument(
        "--resolvers", type=int, help="resolver processes of the workspace (default 1)"
    )
    parser.add_argument(
        "--scale-out", type=_sizes, help="resolver counts of phase (o), e.g. 1,2,4,2,1; 0 skips"
    )
    parser.add_argument("--scale-out-events", type=int, help="events per step of phase (o)")
    parser.add_argument("--neo4j-heap", help="heap of the benchmark's Neo4j (e.g. 1g)")
    parser.add_argument("--neo4j-pagecache", help="page cache of the benchmark's Neo4j")
    parser.add_argument(
        "--budget", type=float, help="seconds; growth steps that do not fit are skipped (0: none)"
    )
    parser.add_argument("--keep-services", action="store_true", help="leave Neo4j/Valkey up")
    parser.add_argument("--out", type=Path, help="results folder (default bench/results)")
    parser.add_argument(
        "--resolver-only",
        action="store_true",
        help="the former configuration: `cdp resolver` alone instead of `cdp worker`, no\n"
        "segments, journeys or destinations (labelled so in the results)",
    )
    parser.add_argument(
        "--identity-traffic",
        action="store_true",
        help="traffic without consent answers, plans, countries and lifetime values, byte for\n"
        "byte as before they were added (with --resolver-only: the former benchmark)",
    )
    parser.add_argument(
        "--workspace",
        type=Path,
        help="segments, journeys and destinations to load (default bench/workspace.yaml)",
    )
    args = parser.parse_args(argv)
    options = FULL if args.full else SOAK if args.soak else QUICK
    updates: dict[str, Any] = {}
    for name in (
        "events", "clients", "batch_size", "latency_rate", "latency_seconds", "latency_batch",
        "latency_sample",
        "sustain_rate", "sustain_seconds", "growth", "growth_events", "growth_latency_seconds",
        "raw_batch", "seed_batch", "seed_concurrency", "warmup_events", "seed", "api_workers",
        "resolver_batch_entries", "resolvers", "scale_out_events",
        "neo4j_heap", "neo4j_pagecache", "out",
    ):  # fmt: skip
        value = getattr(args, name)
        if value is not None:
            updates[name] = value
    if args.scale_out is not None:
        updates["scale_out"] = tuple(n for n in args.scale_out if n > 0)
    if args.budget is not None:
        updates["budget"] = args.budget or None
    if args.keep_services:
        updates["keep_services"] = True
    if args.resolver_only:
        updates["resolver_only"] = True
    if args.identity_traffic:
        updates["identity_traffic"] = True
    if args.workspace is not None:
        updates["workspace_file"] = args.workspace.resolve()
    if not args.full and not args.quick and not args.soak and args.events is not None:
        updates["mode"] = "custom"
    return replace(options, **updates)


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
