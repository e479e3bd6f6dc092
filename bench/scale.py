"""What the scale-out phase samples while N resolvers drain the stream: which locks the open
transactions wait on, and how long a real-time writer (a trait set on a profile the traffic
does not touch) takes meanwhile."""

from __future__ import annotations

import asyncio
import contextlib
import random
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

from neo4j import AsyncDriver

from app.adapters.cypher import query
from app.services.profiles.service import ProfileService

#: Seconds between two samples of SHOW TRANSACTIONS.
SAMPLE_EVERY = 0.2
#: Seconds between two real-time writes.
WRITE_EVERY = 0.5


@dataclass
class LockSampler:
    """Samples the open transactions until stopped; counts the waits by the lock waited on."""

    driver: AsyncDriver
    database: str
    samples: int = 0
    open: int = 0
    stripe_waits: int = 0
    profile_waits: int = 0
    other_waits: int = 0
    #: The waiting statements that are not lock statements, by their first line.
    other: dict[str, int] = field(default_factory=dict)

    async def run(self, stop: asyncio.Event) -> None:
        text = query("bench/transactions")
        while not stop.is_set():
            async with self.driver.session(database=self.database) as session:
                result = await session.run(text, database=self.database)
                rows = [r.data() async for r in result]
            self.samples += 1
            for row in rows:
                current = row["query"] or ""
                if not current or "SHOW TRANSACTIONS" in current:
                    continue
                self.open += 1
                if not str(row["status"]).startswith("Blocked"):
                    continue
                if "WriterLock" in current:
                    self.stripe_waits += 1
                elif "SET p:Profile" in current:
                    self.profile_waits += 1
                else:
                    self.other_waits += 1
                    head = current.strip().splitlines()[0][:100]
                    self.other[head] = self.other.get(head, 0) + 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), SAMPLE_EVERY)

    def summary(self) -> dict[str, Any]:
        def share(n: int) -> float | None:
            return round(n / self.open, 4) if self.open else None

        return {
            "samples": self.samples,
            "open_transactions_seen": self.open,
            "waiting_on_a_stripe_lock": self.stripe_waits,
            "waiting_on_a_profile_lock": self.profile_waits,
            "waiting_on_another_lock": self.other_waits,
            "share_waiting_on_a_stripe_lock": share(self.stripe_waits),
            "share_waiting_on_a_profile_lock": share(self.profile_waits),
            "other_waiting_statements": dict(sorted(self.other.items(), key=lambda kv: -kv[1])),
        }


@dataclass
class RealTimeWriter:
    """Sets a plain trait on profiles the measured traffic does not touch, one at a time."""

    profiles: ProfileService
    targets: list[str]
    seconds: list[float] = field(default_factory=list)
    failures: int = 0

    async def run(self, stop: asyncio.Event) -> None:
        rng = random.Random(5)
        n = 0
        while not stop.is_set() and self.targets:
            n += 1
            started = time.perf_counter()
            try:
                await self.profiles.set_trait(rng.choice(self.targets), "title", f"t{n}", "bench")
                self.seconds.append(time.perf_counter() - started)
            except Exception:  # counted: the summary says how many did not complete
                self.failures += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), WRITE_EVERY)

    def summary(self) -> dict[str, Any]:
        ms = sorted(s * 1000 for s in self.seconds)
        if not ms:
            return {"writes": 0, "failures": self.failures}
        return {
            "writes": len(ms),
            "failures": self.failures,
            "p50_ms": round(statistics.median(ms), 1),
            "p99_ms": round(ms[min(len(ms) - 1, int(len(ms) * 0.99))], 1),
            "max_ms": round(ms[-1], 1),
        }
