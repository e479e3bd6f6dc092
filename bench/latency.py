"""Phase (c): the latency of an event from its tracking call until it is in its profile, at a
fixed offered rate, and of the real-time chain a login sets off (segment, journey, first step).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Callable
from typing import Any

from bench.convert import Identities
from bench.core import CHECK_CHUNK, BenchCore
from bench.generator import Batch
from bench.load import (
    ArrivalProbe,
    latency_summary,
    percentile,
    post_paced,
)

#: The real-time chain the latency phase times: a login enters this segment, and entering it
#: starts this journey (bench/workspace.yaml).
REAL_TIME_SEGMENT = "known_customers"
FOLLOW_UP = ("changes", "journey_jobs", "destination_items")
REAL_TIME_JOURNEY = "welcome_series"
#: Seconds of unmeasured small-batch traffic before each latency measurement.
LATENCY_WARMUP_SECONDS = 3.0


class LatencyPhase(BenchCore):
    """The latency measurement, which the growth steps repeat at each size."""

    async def latency(
        self, ws: str, base_url: str, auth: str, source_id: str, offset: int, seconds: float
    ) -> dict[str, Any]:
        o = self.o
        await self._warm_small_batches(base_url, auth, offset)
        traffic = self.generator(offset, truth=False, batch_size=o.latency_batch)
        probe = ArrivalProbe(self.container.graph)
        # The real-time layer's chain, from each person's first message with a user id (it
        # logs them in): the profile enters a segment, which starts a journey's run.
        chain = self.real_time_chain()
        followed = Followed(
            f"{ws}:{source_id}:",
            Identities(self.container.rules).owned,
            probe.expect,
            o.latency_sample,
            logins=chain is not None,
        )
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
                base_url, auth, iter(batches), o.latency_rate, seconds, followed.on_send
            )
        finally:
            done.set()
            await probe_task
            if sampler is not None:
                await sampler
        real_time = None
        if chain is not None:
            await self.wait_idle()  # the segments decided, the journeys' first steps done
            real_time = await self.real_time_latency(chain, list(followed.logins.values()), probe)
        return {
            **probe.summary(),
            "real_time": real_time,
            **follow_up_summary(backlog),
            "offered_rate": o.latency_rate,
            "achieved_rate": round(posted.messages_per_second, 1),
            "batch_size": o.latency_batch,
            "followed_one_in": o.latency_sample,
            "seconds": seconds,
            "rejected_429": posted.rejected_429,
            "errors": posted.errors,
        }

    async def _warm_small_batches(self, base_url: str, auth: str, offset: int) -> None:
        """Warm the small-batch path first (not measured): a JVM that has only seen large
        batches compiles the small ones' plans and code paths on the clock otherwise."""
        o = self.o
        if self.worker is not None:
            self.worker.resume()
        await self.wait_idle()
        warm = list(
            self.generator(offset + 500, truth=False, batch_size=o.latency_batch).batches(
                int(o.latency_rate * LATENCY_WARMUP_SECONDS) + 100
            )
        )
        await post_paced(base_url, auth, iter(warm), o.latency_rate, LATENCY_WARMUP_SECONDS)
        await self.wait_idle()

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


class Followed:
    """What the latency phase follows of the batches it sends: one owned event in `sample`
    (the probe times it), and with `logins` each user's first message, which logs them in
    (the real-time chain starts there): user id -> (event id, sent at)."""

    def __init__(
        self,
        event_prefix: str,
        owned: Callable[[dict[str, Any]], bool],
        expect: Callable[[list[str], float], None],
        sample: int,
        *,
        logins: bool,
    ) -> None:
        self.event_prefix = event_prefix
        self.owned = owned
        self.expect = expect
        self.sample = sample
        self.follow_logins = logins
        self.logins: dict[str, tuple[str, float]] = {}
        self._owned = itertools.count()

    def on_send(self, batch: Batch, at: float) -> None:
        prefix = self.event_prefix
        ids = [
            f"{prefix}{m['messageId']}"
            for m in batch.messages
            if self.owned(m) and next(self._owned) % self.sample == 0
        ]
        self.expect(ids, at)
        if self.follow_logins:
            for m in batch.messages:
                if m.get("userId") and m["userId"] not in self.logins:
                    self.logins[m["userId"]] = (f"{prefix}{m['messageId']}", at)


def follow_up_summary(backlog: list[dict[str, int]]) -> dict[str, dict[str, Any]]:
    """The worker's queues while the phase ran (sampled every half second): change-feed
    entries not handled yet, journey jobs due, destination items waiting; most and median."""
    return {
        "follow_up_max": {k: max((b[k] for b in backlog), default=0) for k in FOLLOW_UP},
        "follow_up_median": {
            k: percentile(sorted(b[k] for b in backlog), 50) if backlog else 0 for k in FOLLOW_UP
        },
    }
