"""The table of medians and spreads that docs/benchmarks.md quotes."""

from __future__ import annotations

from typing import Any

from bench.summary import rows, table


def _run(drain: float, ratio: float, *, one: list[float], two: list[float]) -> dict[str, Any]:
    steps = [{"resolvers": 1, "events_per_second": r} for r in one]
    steps += [{"resolvers": 2, "events_per_second": r} for r in two]
    return {
        "started_at": "20261203T072500Z",
        "resolved": {"events_per_second": drain},
        "raw": {"ratio": ratio},
        "scale_out": {"steps": steps},
        "growth": {"points": [{"target": 100_000, "resolved_per_second": drain / 2}]},
    }


def test_each_figure_gets_every_runs_value_its_median_and_range() -> None:
    runs = [
        _run(1000, 0.3, one=[900, 1100], two=[1500]),
        _run(1200, 0.2, one=[1000], two=[1300, 1500]),
        _run(800, 0.25, one=[1000], two=[1000]),
    ]
    found = {row[0]: row[1:] for row in rows(runs)}
    assert found["(b) new people resolved, events/s"] == [
        "1,000",
        "1,200",
        "800",
        "1,000",
        "800-1,200",
    ]
    assert found["ours / raw"] == ["0.300", "0.200", "0.250", "0.250", "0.200-0.300"]
    # A count's steps are averaged first (1,000 and 1,400 in the second run), then the ratio.
    assert found["(o) 2 resolvers / 1"] == ["1.50", "1.40", "1.00", "1.40", "1.00-1.50"]
    assert found["(f) at 100k profiles: resolved events/s"][-2:] == ["500", "400-600"]


def test_a_figure_no_run_measured_is_left_out_and_a_missing_one_is_a_dash() -> None:
    runs = [_run(1000, 0.3, one=[1000], two=[1000]), {"resolved": {"events_per_second": 500}}]
    labels = [row[0] for row in rows(runs)]
    assert "(f) at 1M profiles: resolved events/s" not in labels
    drain = next(row for row in rows(runs) if row[0].startswith("(b) new"))
    assert drain[1:] == ["1,000", "500", "750", "500-1,000"]
    ratio = next(row for row in rows(runs) if row[0] == "ours / raw")
    assert ratio[1:] == ["0.300", "-", "0.300", "0.300-0.300"]
    assert table(runs, ["07:25", "b"]).splitlines()[0] == "| measure | 07:25 | b | median | range |"


def test_a_value_left_out_shows_in_brackets_and_stays_out_of_the_median() -> None:
    runs = [
        _run(600, 0.1, one=[1000], two=[1000]),
        _run(1000, 0.3, one=[1000], two=[1000]),
        _run(1200, 0.2, one=[1000], two=[1000]),
    ]
    found = {row[0]: row[1:] for row in rows(runs, [(0, "(b)")])}
    assert found["(b) new people resolved, events/s"] == [
        "(600)",
        "1,000",
        "1,200",
        "1,100",
        "1,000-1,200",
    ]
    assert found["ours / raw"][-2:] == ["0.200", "0.100-0.300"]


def test_cpu_per_event_counts_neo4j_and_the_worker_or_the_resolver_over_the_phases_events() -> None:
    def run(worker: str) -> dict[str, Any]:
        return {
            "resolved": {"events": 2000},
            "returning": {"resolved": {"events": 500}},
            "memory": {
                "cpu_seconds_by_phase": {
                    "resolved": {"neo4j": 2.0, worker: 1.0, "api": 5.0, "benchmark": 9.0},
                    "returning": {"neo4j": 1.5, worker: 0.5},
                }
            },
        }

    found = {row[0]: row[1:] for row in rows([run("worker"), run("resolver")])}
    assert found["(b) Neo4j + worker CPU per event, ms"][:2] == ["1.50", "1.50"]
    assert found["(b) ... of it Neo4j's, ms"][:2] == ["1.00", "1.00"]
    assert found["(r) Neo4j + worker CPU per event, ms"][:2] == ["4.00", "4.00"]
