"""The benchmark's options: the quick, full and soak runs, and the command line that picks one
and overrides its knobs (`python -m bench.run --help`)."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bench.stack import REPO
from bench.workspace import WORKSPACE_FILE

RESULTS_DIR = REPO / "bench" / "results"


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


def _sizes(text: str) -> tuple[int, ...]:
    return tuple(int(part.replace("_", "")) for part in text.split(",") if part.strip())


def _mode_arguments(parser: argparse.ArgumentParser) -> None:
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="several minutes (the default)")
    mode.add_argument("--full", action="store_true", help="the full run (long: 1M profiles)")
    mode.add_argument(
        "--soak",
        action="store_true",
        help="half the measured capacity held for an hour: memory and lag growth",
    )


def _phase_arguments(parser: argparse.ArgumentParser) -> None:
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


def _setup_arguments(parser: argparse.ArgumentParser) -> None:
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


def build_parser(description: str | None) -> argparse.ArgumentParser:
    """The command line of `python -m bench.run`; `description` is its help text."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.run",
        description=description,
        formatter_class=argparse.RawTextHelpFormatter,
    )
    _mode_arguments(parser)
    _phase_arguments(parser)
    _setup_arguments(parser)
    return parser


def options_from(args: argparse.Namespace) -> Options:
    """The run the arguments pick (quick, full or soak) with their overrides."""
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
