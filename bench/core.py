"""What every phase of a run uses: its state and log, the worker paused and drained until it
settles, the stored events checked against those sent, and the workspace loaded through the API.
"""

from __future__ import annotations

import asyncio
import math
import os
import platform
import sys
import time
from collections.abc import Collection
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil
from redis.asyncio import Redis
from redis.exceptions import ResponseError
from rich.console import Console

from app.adapters.valkey.changes import GROUP as FEED_GROUP
from app.adapters.valkey.keys import WorkspaceKeys
from app.adapters.valkey.stream import EventStream
from app.bootstrap import Container
from bench.generator import DAY, TrafficConfig, TrafficGenerator
from bench.monitor import MemoryMonitor, gc_pauses, store_sizes
from bench.options import Options
from bench.receiver import WebhookReceiver
from bench.stack import REPO, BenchServices, Child, Children
from bench.workspace import Workspace, activity, apply

#: Event ids per lookup when the stored events of a phase are counted.
CHECK_CHUNK = 5_000
PRODUCT = "product: cdp worker (resolver, segments, journeys, destinations), workspace loaded"
RESOLVER_ONLY = "resolver only: cdp resolver, no segments, journeys or destinations"


class StoredEventsMismatch(RuntimeError):
    """Neo4j does not hold exactly the distinct events a phase sent."""


class BenchCore:
    """One benchmark run's state, and the waits and checks its phases share."""

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
        return await feed_backlog(self.container.redis, stream)

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

    async def memory_and_activity(self, base_url: str) -> None:
        """(g) memory and disk; the workspace's activity and what the receiver got."""
        assert self.monitor is not None and self.services is not None
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
        if self.services.neo4j is not None:
            gc_log = self.services.neo4j.instance_dir / "logs" / "gc.log"
            self.results["gc_pauses_by_phase"] = gc_pauses(gc_log, self.phase_starts)
        self.results["machine"]["load_average_at_end"] = list(os.getloadavg())
        self.results["seconds"] = round(time.monotonic() - self.clock0, 1)

    @staticmethod
    def _settled(drained: dict[str, Any]) -> str:
        settled = drained.get("settled_seconds")
        return "" if settled is None else f" (the worker settled {settled}s after resuming)"


def _portable(path: Path) -> str:
    """A path for the results: relative to the repository when inside it (results are
    committed and compared across machines)."""
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else path.name


async def feed_backlog(redis: Redis, stream: str) -> int:
    """Change-feed entries the consumer group has not acknowledged: those delivered and in
    hand, and those not delivered yet (entries older than the group are not counted)."""
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
