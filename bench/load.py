"""HTTP load on the tracking API, and the probe that sees events arrive in their profiles.

- `post_all`: N concurrent clients post pre-encoded /v1/batch bodies as fast as the API answers
  (a closed loop: each client sends its next batch when the previous one was answered).
- `post_paced`: an open loop at a fixed offered rate: batch k is sent at start + k * interval
  whatever the answers do, so a slow server cannot slow the load down and hide its own
  latency (no coordinated omission).
- `ArrivalProbe`: polls Neo4j (cypher/bench/events_present) for the events of the messages
  sent and records, per event, the time from the tracking call until it is visible in its
  profile. A poll is issued every `interval` seconds and an event counts as arrived at the
  end of the first poll that sees it, so a latency is overstated by at most one poll cycle.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import math
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from app.adapters.neo4j_db import Graph
from bench.generator import Batch

ENDPOINT = "/v1/batch"
MAX_ATTEMPTS = 5


def basic_auth(write_key: str) -> str:
    """Segment's HTTP Basic: the write key as user name, no password."""
    return "Basic " + base64.b64encode(f"{write_key}:".encode()).decode()


def encode(batch: Batch) -> bytes:
    return orjson.dumps({"batch": batch.messages})


def encode_all(batches: Iterable[Batch]) -> tuple[list[tuple[bytes, int]], set[str]]:
    """Encoded /v1/batch bodies with their message counts, and the distinct message ids."""
    bodies: list[tuple[bytes, int]] = []
    ids: set[str] = set()
    for batch in batches:
        bodies.append((encode(batch), len(batch.messages)))
        ids.update(str(m["messageId"]) for m in batch.messages)
    return bodies, ids


@dataclass
class PostStats:
    """What the clients saw: 200s (`messages` counts the messages of answered batches)."""

    requests: int = 0
    messages: int = 0
    #: messages of batches sent for the first time (the rest are a tracker's retries)
    distinct: int = 0
    rejected_429: int = 0
    errors: int = 0
    failed_batches: int = 0
    seconds: float = 0.0

    @property
    def messages_per_second(self) -> float:
        return self.messages / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "messages": self.messages,
            "distinct": self.distinct,
            "rejected_429": self.rejected_429,
            "errors": self.errors,
            "failed_batches": self.failed_batches,
            "seconds": round(self.seconds, 3),
            "messages_per_second": round(self.messages_per_second, 1),
        }


async def _post(client: httpx.AsyncClient, body: bytes, count: int, stats: PostStats) -> bool:
    """One batch until it is accepted: 429 waits Retry-After, other failures retry a little."""
    for _ in range(MAX_ATTEMPTS):
        try:
            response = await client.post(ENDPOINT, content=body)
        except httpx.TransportError:
            stats.errors += 1
            await asyncio.sleep(0.2)
            continue
        stats.requests += 1
        if response.status_code == 200:
            stats.messages += count
            return True
        if response.status_code == 429:
            stats.rejected_429 += 1
            await asyncio.sleep(float(response.headers.get("retry-after", "1")))
            continue
        stats.errors += 1
        await asyncio.sleep(0.2)
    stats.failed_batches += 1
    return False


def _client(base_url: str, auth: str, connections: int) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base_url,
        headers={"Authorization": auth, "Content-Type": "application/json"},
        timeout=httpx.Timeout(60.0),
        limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
    )


async def post_all(
    base_url: str, auth: str, bodies: Sequence[tuple[bytes, int]], clients: int
) -> PostStats:
    """Post every (body, message count) with `clients` concurrent connections; time it all."""
    stats = PostStats()
    queue = iter(bodies)

    async def worker() -> None:
        async with _client(base_url, auth, 1) as client:
            for body, count in queue:
                await _post(client, body, count, stats)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(max(1, clients))))
    stats.seconds = time.perf_counter() - started
    return stats


async def post_paced(
    base_url: str,
    auth: str,
    batches: Iterator[Batch],
    rate: float,
    duration: float,
    on_send: Callable[[Batch, float], None] | None = None,
    connections: int = 64,
    distinct_rate: bool = False,
) -> PostStats:
    """Offer `rate` messages/s for `duration` seconds (or until the batches run out).

    With `distinct_rate`, `rate` counts distinct messages: replayed batches (a tracker's
    retries, which the API answers as duplicates) are sent on top, off the schedule. At most
    `connections` batches are in flight: when the API pushes back (429), the sender falls
    behind its schedule, as a tracker does, instead of queueing thousands of requests in its
    HTTP client (whose connection pool then took the benchmark's CPU).
    """
    stats = PostStats()
    in_flight: set[asyncio.Task[bool]] = set()
    async with _client(base_url, auth, connections) as client:
        started = time.perf_counter()
        due = started
        for batch in batches:
            now = time.perf_counter()
            if now - started >= duration:
                break
            if due > now:
                await asyncio.sleep(due - now)
            if len(in_flight) >= connections:
                await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
            body = encode(batch)
            if on_send is not None:
                on_send(batch, time.monotonic())
            task = asyncio.create_task(_post(client, body, len(batch.messages), stats))
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
            if not batch.replay:
                stats.distinct += len(batch.messages)
            if not (distinct_rate and batch.replay):
                due += len(batch.messages) / rate
        if in_flight:
            await asyncio.gather(*in_flight)
        stats.seconds = time.perf_counter() - started
    return stats


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of already sorted values; NaN when empty."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def latency_summary(latencies_s: Sequence[float]) -> dict[str, float | int | None]:
    values = sorted(v * 1000 for v in latencies_s)

    def ms(q: float) -> float | None:
        value = percentile(values, q)
        return None if math.isnan(value) else round(value, 1)

    return {
        "samples": len(values),
        "p50_ms": ms(50),
        "p95_ms": ms(95),
        "p99_ms": ms(99),
        "p99_9_ms": ms(99.9),
        "max_ms": round(values[-1], 1) if values else None,
    }


class ArrivalProbe:
    """Tracks sent event ids until each is visible in a profile."""

    def __init__(self, graph: Graph, interval: float = 0.025, chunk: int = 2000) -> None:
        self.graph = graph
        self.interval = interval
        self.chunk = chunk
        self.sent: dict[str, float] = {}
        self.arrived: dict[str, float] = {}
        #: Wall clock minus the monotonic clock, to date a slow second against other logs.
        self.wall_offset = time.time() - time.monotonic()
        self.polls = 0
        self.poll_seconds: list[float] = []

    def expect(self, event_ids: Sequence[str], at: float) -> None:
        for event_id in event_ids:
            self.sent.setdefault(event_id, at)  # a replay keeps the first send time

    def outstanding(self) -> list[str]:
        return [e for e in self.sent if e not in self.arrived]

    async def _poll(self) -> None:
        started = time.monotonic()
        waiting = self.outstanding()
        for i in range(0, len(waiting), self.chunk):
            rows = await self.graph.read("bench/events_present", ids=waiting[i : i + self.chunk])
            seen = time.monotonic()
            for row in rows:
                self.arrived.setdefault(row["id"], seen)
        self.polls += 1
        self.poll_seconds.append(time.monotonic() - started)

    async def run(self, sending_done: asyncio.Event, drain_timeout: float) -> None:
        """Poll while sending, then until everything arrived or `drain_timeout` passed."""
        deadline: float | None = None
        while True:
            await self._poll()
            if sending_done.is_set():
                if not self.outstanding():
                    return
                deadline = deadline or time.monotonic() + drain_timeout
                if time.monotonic() > deadline:
                    return
            await asyncio.sleep(self.interval)

    def latencies(self) -> list[float]:
        return [self.arrived[e] - t for e, t in self.sent.items() if e in self.arrived]

    def timeline(self) -> list[dict[str, Any]]:
        """Per second of sending: events sent, median and worst latency (stalls show here)."""
        if not self.sent:
            return []
        first = min(self.sent.values())
        buckets: dict[int, list[float]] = {}
        for event_id, at in self.sent.items():
            arrived = self.arrived.get(event_id)
            lag = math.inf if arrived is None else (arrived - at) * 1000
            buckets.setdefault(int(at - first), []).append(lag)
        out = []
        for second in sorted(buckets):
            values = sorted(buckets[second])
            out.append(
                {
                    "second": second,
                    "wall": round(first + second + self.wall_offset, 1),
                    "sent": len(values),
                    "p50_ms": round(percentile(values, 50), 1),
                    "max_ms": round(values[-1], 1) if math.isfinite(values[-1]) else None,
                }
            )
        return out

    def summary(self) -> dict[str, Any]:
        polls = self.poll_seconds
        return {
            **latency_summary(self.latencies()),
            "sent": len(self.sent),
            "not_arrived": len(self.outstanding()),
            "polls": self.polls,
            # A latency is overstated by up to one poll: how long the polls took.
            "poll_ms_mean": round(1000 * sum(polls) / len(polls), 1) if polls else None,
            "poll_ms_max": round(1000 * max(polls), 1) if polls else None,
            "timeline": self.timeline(),
        }


async def sample_stats(
    read: Callable[[], Any],
    stop: asyncio.Event,
    every: float,
    out: list[dict[str, float]],
) -> None:
    """Append (t, pending, processed, accepted) samples from the stream stats until stopped."""
    started = time.monotonic()
    while not stop.is_set():
        stats: Mapping[str, int] = await read()
        out.append(
            {
                "t": round(time.monotonic() - started, 2),
                "pending": stats.get("pending", 0),
                "processed": stats.get("processed", 0),
                "accepted": stats.get("accepted", 0),
            }
        )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every)
