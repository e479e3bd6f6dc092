"""The phases after the first drain: returning people (r), accuracy (d), raw writes (e),
scale-out (o), growth (f) and the sustained rate (s)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import asdict, replace
from typing import Any

import orjson

from app.privacy import BlindIndex
from bench.accuracy import evaluate
from bench.convert import Identities
from bench.generator import TrafficGenerator
from bench.latency import LatencyPhase
from bench.load import (
    encode_all,
    post_all,
    post_paced,
    sample_stats,
)
from bench.monitor import store_sizes
from bench.options import Options
from bench.raw import RAW_WS, RawPreparer, prepare, run_raw
from bench.scale import LockSampler, RealTimeWriter
from bench.seed import SeedResult, count_profiles, seed_to
from bench.stack import Children, start_resolver
from bench.sustain import summarise_sustained
from bench.workspace import time_activation


class Phases(LatencyPhase):
    """Each phase measures, logs one line and returns its part of the results."""

    async def scale_out(self, base_url: str, auth: str, source_id: str) -> dict[str, Any]:
        """For each resolver count: new people's traffic posted with every resolver paused,
        then drained by the worker's resolver and count - 1 `cdp resolver` processes beside
        it, while the open transactions are sampled for lock waits and a real-time writer
        sets traits on profiles the traffic does not touch."""
        o, c = self.o, self.container
        assert self.worker is not None
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
        steps = [
            await self._scale_step(k, count, base, targets, (base_url, auth, source_id))
            for k, count in enumerate(o.scale_out)
        ]
        base.resume()
        return {
            "events_per_step": o.scale_out_events,
            "real_time_writes_idle": idle.summary(),
            "steps": steps,
        }

    async def _scale_step(
        self,
        k: int,
        count: int,
        base: Children,
        targets: list[str],
        api: tuple[str, str, str],
    ) -> dict[str, Any]:
        """One resolver count of phase (o): `count - 1` resolvers started beside the worker's,
        the traffic posted with all of them paused, then drained while locks are sampled and
        traits written beside; the extra resolvers are stopped again."""
        o, c = self.o, self.container
        assert self.services is not None
        base_url, auth, source_id = api
        logs = self.services.data_dir / "logs"
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
        self.log(
            f"(o) {count} resolver(s): {drained['events']:,} events in {drained['seconds']}s "
            f"= {drained['events_per_second']:,}/s, {step['retried']} retried; "
            f"stripe-lock waits {step['locks']['share_waiting_on_a_stripe_lock']}, "
            f"set_trait p50 {step['real_time_writes'].get('p50_ms')} ms"
        )
        return step

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
        resolved_rate = self.results["resolved"]["events_per_second"]
        estimate = growth_estimate(o, current, target, self.seed_rate, resolved_rate)
        if estimate > self.remaining():
            self.note(
                f"growth to {target:,} profiles skipped: needs ~{estimate:.0f}s, "
                f"{max(0.0, self.remaining()):.0f}s left in the time budget"
            )
            return {"target": target, "skipped": "time budget"}
        seeded = await self._seed(ws, target)
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
        activation = await self._activation(base_url, step)
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

    async def _seed(self, ws: str, target: int) -> SeedResult:
        """The workspace seeded to `target` profiles with the worker paused."""
        o, c = self.o, self.container
        assert self.worker is not None
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
        return seeded

    async def _activation(self, base_url: str, step: int) -> dict[str, Any] | None:
        """What a marketer meets at this size: a new segment activated over every profile
        (the product only)."""
        if not self.product or self.api_key is None:
            return None
        activation = await time_activation(base_url, self.api_key, f"bench_activation_{step}")
        self.log(
            f"(f) a segment activated over {activation['total']:,} profiles: answered in "
            f"{activation['answered_seconds']}s, {activation['status']} after "
            f"{activation['seconds']}s"
        )
        return activation


def _messages(bodies: list[tuple[bytes, int]]) -> Iterator[dict[str, Any]]:
    """The messages of encoded /v1/batch bodies, decoded one body at a time."""
    for body, _ in bodies:
        yield from orjson.loads(body)["batch"]


def growth_estimate(
    o: Options, current: int, target: int, seed_rate: float, resolved_rate: float | None
) -> float:
    """Seconds a growth step to `target` profiles should take: seeding the missing ones at
    `seed_rate` profiles/s, resolving its events at the rate (b) measured (at least 100/s),
    its latency measurement, and 15 s of waits."""
    rate = max(100.0, float(resolved_rate or 0))
    return (
        max(0, target - current) / seed_rate
        + o.growth_events / rate
        + o.growth_latency_seconds
        + 15
    )
