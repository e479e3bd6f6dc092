"""The benchmark's bookkeeping: percentiles, the sustained-lag verdict, targets, options."""

from __future__ import annotations

import math
from pathlib import Path

from rich.console import Console

from bench.core import PRODUCT, RESOLVER_ONLY
from bench.generator import Batch
from bench.load import PostStats, encode_all, latency_summary, percentile
from bench.options import FULL, QUICK
from bench.report import configuration_label, plot, print_report
from bench.run import parse_args
from bench.sustain import summarise_sustained
from bench.targets import judge
from bench.workspace import WORKSPACE_FILE


def test_nearest_rank_percentiles() -> None:
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile(values, 99.9) == 100.0
    assert percentile([7.0], 99.9) == 7.0
    assert math.isnan(percentile([], 50))
    summary = latency_summary([0.010, 0.020, 0.030, 0.040])
    assert summary["samples"] == 4
    assert (summary["p50_ms"], summary["p99_ms"], summary["max_ms"]) == (20.0, 40.0, 40.0)
    assert latency_summary([])["p99_ms"] is None


def _samples(pending: list[int], rate: int = 100) -> list[dict[str, float]]:
    return [
        {"t": float(i), "pending": float(p), "processed": float(i * rate), "accepted": 0.0}
        for i, p in enumerate(pending)
    ]


def test_a_wobbling_backlog_is_bounded_and_a_growing_one_is_not() -> None:
    posted = PostStats(messages=1020, distinct=1000, seconds=10.0)
    wobble = summarise_sustained(
        _samples([0, 100, 0, 100, 200, 100, 0, 100, 200, 100]), posted, 100
    )
    assert wobble["lag_bounded"] is True
    # Retried batches come on top of the offered rate, which counts distinct events.
    assert wobble["accepted_per_second"] == 102.0
    assert wobble["distinct_offered_per_second"] == 100.0
    assert wobble["resolved_per_second"] == 100.0
    assert wobble["max_pending"] == 200
    growing = summarise_sustained(_samples([i * 50 for i in range(10)]), posted, 100)
    assert growing["lag_bounded"] is False  # +50 per second: 200 over the second half > 100
    assert summarise_sustained(_samples([0]), posted, 100)["lag_bounded"] is None


def _results(**extra: object) -> dict[str, object]:
    base: dict[str, object] = {
        "mode": "quick",
        "accepted": {"messages_per_second": 16_000.0},
        "resolved": {"events_per_second": 3_500.0},
        "raw": {"ratio": 0.6, "events_per_second": 6_000.0},
        "latency": {"p99_ms": 200.0, "offered_rate": 500.0},
        "accuracy": {
            "items": 10,
            "pairwise": {"precision": 1.0, "recall": 0.995, "f1": 0.997},
            "bcubed": {"precision": 1.0, "recall": 0.999, "f1": 0.999},
        },
        "growth": {
            "points": [
                {"target": None, "profiles": 500, "resolved_per_second": 3_600.0, "p99_ms": 150},
                {"target": 100_000, "profiles": 100_400, "resolved_per_second": 3_400.0},
                {"target": 1_000_000, "profiles": 1_000_400, "resolved_per_second": 2_500.0},
            ]
        },
    }
    base.update(extra)
    return base


def test_targets_are_judged_from_the_results() -> None:
    verdicts = {row["name"]: row for row in judge(_results())}
    assert verdicts["accepted events/s (API)"]["passed"] is True
    assert verdicts["resolved events/s (backlog drain)"]["passed"] is True
    assert verdicts["ours / raw Neo4j writes"]["passed"] is True
    assert verdicts["p99 track -> profile at 500.0 ev/s"]["passed"] is True
    assert verdicts["identity precision / recall"]["passed"] is True
    growth = verdicts["throughput lost 100k -> 1M profiles"]
    assert growth["value"] == round(1 - 2_500 / 3_400, 3) and growth["passed"] is False


def test_the_sustained_phase_decides_the_resolved_target_when_it_ran() -> None:
    results = _results(sustained={"resolved_per_second": 3_100.0, "lag_bounded": False})
    verdicts = {row["name"]: row for row in judge(results)}
    assert verdicts["resolved events/s, sustained"]["passed"] is False  # the lag grew


def test_unmeasured_targets_are_not_judged() -> None:
    verdicts = {row["name"]: row for row in judge({"mode": "quick"})}
    assert all(row["passed"] is None for row in verdicts.values())


def test_the_plot_is_written(tmp_path: Path) -> None:
    path = plot(_results(), tmp_path / "plot.png")
    assert path is not None and path.stat().st_size > 1000
    assert plot({"growth": {"points": []}}, tmp_path / "none.png") is None


def test_options() -> None:
    assert parse_args([]) == QUICK
    full = parse_args(["--full"])
    assert full.growth[-1] == 1_000_000 and full.sustain_seconds == 600 and full.budget is None
    custom = parse_args(["--events", "2000", "--growth", "10_000,20000", "--budget", "0"])
    assert (custom.mode, custom.events, custom.growth, custom.budget) == (
        "custom",
        2000,
        (10_000, 20_000),
        None,
    )
    assert FULL.events > QUICK.events


def test_the_product_is_the_default_and_the_resolver_alone_an_option(tmp_path: Path) -> None:
    assert QUICK.resolver_only is False and QUICK.workspace_file == WORKSPACE_FILE
    assert parse_args(["--resolver-only"]).resolver_only is True
    assert QUICK.identity_traffic is False
    assert parse_args(["--identity-traffic"]).identity_traffic is True
    other = tmp_path / "ws.yaml"
    assert parse_args(["--workspace", str(other)]).workspace_file == other.resolve()
    assert configuration_label({"configuration": {"resolver_only": True}}) == "resolver only"
    assert configuration_label({"configuration": {"resolver_only": False}}) == (
        "worker + workspace"
    )
    assert "cdp worker" in PRODUCT and "cdp resolver" in RESOLVER_ONLY
    former = {"configuration": {"resolver_only": True, "traffic": "identity only"}}
    assert configuration_label(former) == "resolver only, identity-only traffic"


def test_bodies_keep_their_distinct_message_ids() -> None:
    first = Batch([{"messageId": "a"}, {"messageId": "b"}])
    bodies, ids = encode_all([first, Batch(first.messages, replay=True)])
    assert [count for _, count in bodies] == [2, 2] and ids == {"a", "b"}


def test_the_report_shows_the_configuration_the_returning_phase_and_the_workspace() -> None:
    results = _results(
        configuration={"label": PRODUCT, "resolver_only": False},
        resolved={"events_per_second": 3_500.0, "settled_seconds": 9.5, "check": {"stored": 20}},
        returning={
            "events_per_second": 2_800.0,
            "ratio_to_new": 0.8,
            "resolved": {"settled_seconds": 3.0, "check": {"stored": 5}},
        },
        workspace={
            "file": "bench/workspace.yaml",
            "sha256": "ab" * 32,
            "segments": 28,
            "journeys": 5,
            "destinations": 1,
        },
        workspace_activity={
            "segment_members": {"buyers": 3, "vip": 0},
            "journeys": {"welcome_series": {"stats": {"hello": {"taken": 2, "skipped": 1}}}},
            "destinations": {"crm_hook": {"stats": {"delivered": 7, "dead_letters": 0}}},
            "receiver": {
                "requests": 4,
                "journey_calls": 2,
                "destination_items": 7,
                "bad_signatures": 0,
            },
        },
    )
    results["targets"] = judge(results)
    console = Console(record=True, width=200)
    print_report(results, console)
    text = console.export_text()
    assert "worker + workspace" in text
    assert "returning / new (same run)" in text and "0.800" in text
    assert "28 segments, 5 journeys, 1 destination(s)" in text
    assert "1 of 2; 3 memberships" in text and "skipped 1, taken 2" in text
    assert "b 20; r 5" in text


def test_the_soak_run_holds_half_the_measured_capacity_and_reports_memory_growth() -> None:
    soak = parse_args(["--soak"])
    assert (soak.mode, soak.sustain_seconds, soak.sustain_fraction, soak.growth) == (
        "soak",
        3_600.0,
        0.5,
        (),
    )
    results = _results(
        sustained={
            "resolved_per_second": 1_000.0,
            "lag_bounded": True,
            "seconds": 3_600.0,
            "lag_growth_second_half": 12.0,
            "rss_growth_bytes": {"worker": 3 * 2**20, "api": -(2**20)},
        }
    )
    results["targets"] = judge(results)
    console = Console(record=True, width=200)
    print_report(results, console)
    text = console.export_text()
    assert "memory growth over the window (MiB)" in text and "api -1, worker +3" in text
