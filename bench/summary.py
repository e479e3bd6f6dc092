"""The median and spread of several runs' JSONs, as the Markdown table docs/benchmarks.md quotes.

    python -m bench.summary docs/results/A.json docs/results/B.json docs/results/C.json

Each row is one figure: its value in every run, then the median and the range (min-max). A
figure a run did not measure (a phase it skipped) is left out of the median, and so is one
named by `--leave-out N:PREFIX` (run N, counted from 1, figures whose label starts with PREFIX:
a phase during which something else ran on the machine), shown in brackets.
"""

from __future__ import annotations

import argparse
import json
import statistics
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

Figure = Callable[[dict[str, Any]], float | None]


def _at(*path: str | int) -> Figure:
    def read(results: dict[str, Any]) -> float | None:
        value: Any = results
        for part in path:
            if isinstance(part, int):
                if not isinstance(value, list) or len(value) <= part:
                    return None
                value = value[part]
            elif isinstance(value, dict) and part in value:
                value = value[part]
            else:
                return None
        return float(value) if isinstance(value, int | float) else None

    return read


def _growth(target: int, *path: str) -> Figure:
    """A figure of the growth step seeded to `target` profiles."""

    def read(results: dict[str, Any]) -> float | None:
        for point in (results.get("growth") or {}).get("points") or []:
            if point.get("target") == target:
                return _at(*path)(point)
        return None

    return read


def _scale_mean(resolvers: int) -> Figure:
    """The mean drain rate of the scale-out steps with this many resolvers."""

    def read(results: dict[str, Any]) -> float | None:
        steps = (results.get("scale_out") or {}).get("steps") or []
        rates = [float(s["events_per_second"]) for s in steps if s["resolvers"] == resolvers]
        return statistics.fmean(rates) if rates else None

    return read


def _scale_ratio(results: dict[str, Any]) -> float | None:
    one, two = _scale_mean(1)(results), _scale_mean(2)(results)
    return two / one if one and two else None


def _stripe_waits(results: dict[str, Any]) -> float | None:
    steps = (results.get("scale_out") or {}).get("steps") or []
    shares = [s["locks"]["share_waiting_on_a_stripe_lock"] for s in steps if s.get("locks")]
    return max(float(s) for s in shares) if shares else None


def _handled(phase: str) -> Figure:
    """A drain's events over the time until the worker had nothing left to do (the
    real-time layer's segments, journeys and destinations included)."""

    def read(results: dict[str, Any]) -> float | None:
        found = results.get(phase) or {}
        settled = found.get("settled_seconds")
        return float(found["events"]) / float(settled) if settled and found.get("events") else None

    return read


#: The processes that resolve and act on events: Neo4j, and the worker (or the resolver alone).
_PLATFORM = ("neo4j", "worker", "resolver")


def _cpu_per_event(phase: str, events: Figure, processes: Sequence[str] = _PLATFORM) -> Figure:
    """Milliseconds of CPU these processes used during a phase (its settling included), per
    event of the phase."""

    def read(results: dict[str, Any]) -> float | None:
        by_phase = ((results.get("memory") or {}).get("cpu_seconds_by_phase") or {}).get(phase)
        count = events(results)
        if not by_phase or not count:
            return None
        used = sum(float(v) for k, v in by_phase.items() if k in processes)
        return used * 1000 / count

    return read


def _seconds(ms: Figure) -> Figure:
    def read(results: dict[str, Any]) -> float | None:
        value = ms(results)
        return None if value is None else value / 1000

    return read


FIGURES: list[tuple[str, Figure, str]] = [
    ("accepted at the API, messages/s", _at("accepted", "messages_per_second"), ",.0f"),
    ("(b) new people resolved, events/s", _at("resolved", "events_per_second"), ",.0f"),
    ("(b) the real-time layer settled after, s", _at("resolved", "settled_seconds"), ".0f"),
    ("(b) new people handled to the end, events/s", _handled("resolved"), ",.0f"),
    ("(r) returning people resolved, events/s", _at("returning", "events_per_second"), ",.0f"),
    ("returning / new", _at("returning", "ratio_to_new"), ".2f"),
    (
        "(b) Neo4j + worker CPU per event, ms",
        _cpu_per_event("resolved", _at("resolved", "events")),
        ".2f",
    ),
    (
        "(b) ... of it Neo4j's, ms",
        _cpu_per_event("resolved", _at("resolved", "events"), ("neo4j",)),
        ".2f",
    ),
    (
        "(r) Neo4j + worker CPU per event, ms",
        _cpu_per_event("returning", _at("returning", "resolved", "events")),
        ".2f",
    ),
    (
        "(r) ... of it Neo4j's, ms",
        _cpu_per_event("returning", _at("returning", "resolved", "events"), ("neo4j",)),
        ".2f",
    ),
    ("raw writer (full model), events/s", _at("raw", "events_per_second"), ",.0f"),
    ("ours / raw", _at("raw", "ratio"), ".3f"),
    ("(c) visible in the profile at 500/s, p50 s", _seconds(_at("latency", "p50_ms")), ".2f"),
    ("(c) ... p95 s", _seconds(_at("latency", "p95_ms")), ".2f"),
    ("(c) ... p99 s", _seconds(_at("latency", "p99_ms")), ".2f"),
    (
        "(c) login -> in segment, p50 s",
        _seconds(_at("latency", "real_time", "segment", "p50_ms")),
        ".1f",
    ),
    (
        "(c) login -> in segment, p99 s",
        _seconds(_at("latency", "real_time", "segment", "p99_ms")),
        ".1f",
    ),
    (
        "(c) login -> journey run started, p99 s",
        _seconds(_at("latency", "real_time", "run", "p99_ms")),
        ".1f",
    ),
    (
        "(c) login -> first step done (webhook), p99 s",
        _seconds(_at("latency", "real_time", "step", "p99_ms")),
        ".1f",
    ),
    ("(o) 1 resolver, events/s (mean of its steps)", _scale_mean(1), ",.0f"),
    ("(o) 2 resolvers, events/s", _scale_mean(2), ",.0f"),
    ("(o) 4 resolvers, events/s", _scale_mean(4), ",.0f"),
    ("(o) 2 resolvers / 1", _scale_ratio, ".2f"),
    ("(o) transactions waiting on a stripe lock, worst step", _stripe_waits, ".3f"),
]
for size, label in ((10_000, "10k"), (100_000, "100k"), (1_000_000, "1M")):
    FIGURES += [
        (
            f"(f) at {label} profiles: resolved events/s",
            _growth(size, "resolved_per_second"),
            ",.0f",
        ),
        (f"(f) at {label} profiles: p99 s", _seconds(_growth(size, "p99_ms")), ".2f"),
        (
            f"(f) segment activated over {label}: done, s",
            _growth(size, "activation", "seconds"),
            ".1f",
        ),
    ]
FIGURES += [
    ("(d) pairwise precision", _at("accuracy", "pairwise", "precision"), ".4f"),
    ("(d) pairwise recall", _at("accuracy", "pairwise", "recall"), ".4f"),
]


def rows(
    runs: Sequence[dict[str, Any]], left_out: Sequence[tuple[int, str]] = ()
) -> list[list[str]]:
    """One row per figure any run measured: label, each run's value, median, min-max.
    `left_out`: (run index from 0, label prefix) of values kept out of the median."""
    out: list[list[str]] = []
    for label, figure, spec in FIGURES:
        values = [figure(run) for run in runs]
        kept = [
            v if not any(i == n and label.startswith(p) for n, p in left_out) else None
            for i, v in enumerate(values)
        ]
        present = [v for v in kept if v is not None]
        if not present:
            continue
        cells = [
            "-" if v is None else format(v, spec) if k is not None else f"({format(v, spec)})"
            for v, k in zip(values, kept, strict=True)
        ]
        median = format(statistics.median(present), spec)
        spread = f"{format(min(present), spec)}-{format(max(present), spec)}"
        out.append([label, *cells, median, spread])
    return out


def table(
    runs: Sequence[dict[str, Any]], names: Sequence[str], left_out: Sequence[tuple[int, str]] = ()
) -> str:
    head = ["measure", *names, "median", "range"]
    lines = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
    lines += ["| " + " | ".join(row) + " |" for row in rows(runs, left_out)]
    return "\n".join(lines)


def _left_out(text: str) -> tuple[int, str]:
    run, sep, prefix = text.partition(":")
    if not sep or not run.isdigit() or int(run) < 1:
        raise argparse.ArgumentTypeError("RUN:PREFIX, RUN counted from 1")
    return int(run) - 1, prefix


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path, help="the runs' JSON files")
    parser.add_argument(
        "--leave-out",
        action="append",
        type=_left_out,
        default=[],
        metavar="RUN:PREFIX",
        help="keep run RUN's figures starting with PREFIX out of the median",
    )
    args = parser.parse_args(argv)
    runs = [json.loads(path.read_text()) for path in args.files]
    names = [_name(run, path) for run, path in zip(runs, args.files, strict=True)]
    print(table(runs, names, args.leave_out))


def _name(run: dict[str, Any], path: Path) -> str:
    """The run's start as HH:MM (UTC), from `started_at` (20261203T042627Z)."""
    started = str(run.get("started_at", ""))
    return f"{started[9:11]}:{started[11:13]}" if len(started) >= 13 else path.stem


if __name__ == "__main__":
    main()
