"""The benchmark's output: targets judged, a table on screen, a JSON file and a PNG plot."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console
from rich.table import Table

from bench.targets import P99_TARGET_MS, RESOLVED_TARGET, dig


def _scale_rows(results: dict[str, Any]) -> list[tuple[str, str, Any]]:
    rows: list[tuple[str, str, Any]] = []
    for step in dig(results, "scale_out", "steps") or []:
        count = step["resolvers"]
        locks, writes = step.get("locks") or {}, step.get("real_time_writes") or {}
        rows += [
            ("scale-out", f"{count} resolver(s): events resolved / s", step["events_per_second"]),
            ("scale-out", f"{count} resolver(s): retried batches", step.get("retried")),
            (
                "scale-out",
                f"{count} resolver(s): waits on stripe / profile locks",
                f"{locks.get('share_waiting_on_a_stripe_lock')} / "
                f"{locks.get('share_waiting_on_a_profile_lock')}",
            ),
            (
                "scale-out",
                f"{count} resolver(s): set_trait beside p50 / p99 ms",
                f"{writes.get('p50_ms')} / {writes.get('p99_ms')}",
            ),
        ]
    return rows


def _real_time_rows(real_time: dict[str, Any] | None) -> list[tuple[str, str]]:
    """The real-time chain's latencies (login -> segment -> journey run -> first step)."""
    if not real_time:
        return []
    out = []
    for key, what in (
        ("segment", f"in segment {real_time['segment']}"),
        ("run", f"journey {real_time['journey']} started"),
        ("step", "its first step done"),
    ):
        part = real_time.get(key) or {}
        values = " / ".join(_fmt(part.get(k)) for k in ("p50_ms", "p95_ms", "p99_ms"))
        out.append(
            (f"login -> {what}, p50 / p95 / p99 ms", f"{values} ({part.get('missing')} missing)")
        )
    return out


def _growth_mib(results: dict[str, Any]) -> str | None:
    """Each process's resident memory after the sustained window minus before it."""
    growth = dig(results, "sustained", "rss_growth_bytes")
    if not isinstance(growth, dict) or not growth:
        return None
    return ", ".join(f"{name} {value / 2**20:+.0f}" for name, value in sorted(growth.items()))


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _mib(value: Any) -> str:
    return "-" if not value else f"{value / 2**20:,.0f} MiB"


def configuration_label(results: dict[str, Any]) -> str:
    """What ran: the product as `make run` deploys it, or the resolver alone."""
    configuration = results.get("configuration") or {}
    if not configuration:
        return "resolver only"  # results from before the worker was benchmarked
    label = "resolver only" if configuration.get("resolver_only") else "worker + workspace"
    if configuration.get("traffic") == "identity only":
        label += ", identity-only traffic"
    return label


def _outcomes(stats: Any) -> str:
    """A journey's step outcomes summed over its steps: `taken 12, skipped 30, ...`."""
    totals: dict[str, int] = {}
    for outcomes in (stats or {}).values():
        for outcome, count in (outcomes or {}).items():
            totals[outcome] = totals.get(outcome, 0) + int(count)
    return ", ".join(f"{k} {v:,}" for k, v in sorted(totals.items())) or "-"


def print_report(results: dict[str, Any], console: Console) -> None:
    console.print(_targets_table(results))
    details = Table(title="phases", show_lines=False)
    details.add_column("phase")
    details.add_column("measure")
    details.add_column("value", justify="right")
    _phase_rows(results, details)
    _outcome_rows(results, details)
    _check_rows(results, details)
    _workspace_rows(results, details)
    console.print(details)
    for note in results.get("notes", []):
        console.print(f"[yellow]note:[/yellow] {note}")


def _targets_table(results: dict[str, Any]) -> Table:
    title = f"graph-cdp benchmark ({results.get('mode')}, {configuration_label(results)})"
    table = Table(title=title, show_lines=False)
    for column in ("metric", "value", "target", "ok", "note"):
        table.add_column(column, justify="right" if column == "value" else "left")
    marks = {True: "[green]yes[/green]", False: "[red]no[/red]", None: "[dim]n/a[/dim]"}
    for row in results.get("targets", []):
        table.add_row(
            row["name"], _fmt(row["value"]), row["target"], marks[row["passed"]], row["note"]
        )
    return table


def _phase_rows(results: dict[str, Any], details: Table) -> None:
    """Each phase's measures, the latency's percentiles and real-time chain among them."""
    lat = results.get("latency") or {}
    rows: list[tuple[str, str, Any]] = [
        ("accepted", "messages answered 200 / s", dig(results, "accepted", "messages_per_second")),
        ("resolved", "events resolved / s", dig(results, "resolved", "events_per_second")),
        ("resolved", "worker settled after (s)", dig(results, "resolved", "settled_seconds")),
        ("returning", "events resolved / s", dig(results, "returning", "events_per_second")),
        ("returning", "returning / new (same run)", dig(results, "returning", "ratio_to_new")),
        (
            "returning",
            "worker settled after (s)",
            dig(results, "returning", "resolved", "settled_seconds"),
        ),
        ("latency", "p50 / p95 / p99 / p99.9 ms", None),
        ("raw", "raw Neo4j events / s", dig(results, "raw", "events_per_second")),
        ("sustained", "resolved / s", dig(results, "sustained", "resolved_per_second")),
        ("sustained", "max stream lag (messages)", dig(results, "sustained", "max_pending")),
        (
            "sustained",
            "lag trend over the second half (messages)",
            dig(results, "sustained", "lag_growth_second_half"),
        ),
        ("sustained", "memory growth over the window (MiB)", _growth_mib(results)),
        *_scale_rows(results),
    ]
    for phase, measure, value in rows:
        if phase == "latency":
            text = " / ".join(_fmt(lat.get(k)) for k in ("p50_ms", "p95_ms", "p99_ms", "p99_9_ms"))
            details.add_row(phase, measure, text)
            for label, part in _real_time_rows(lat.get("real_time")):
                details.add_row(phase, label, part)
        else:
            details.add_row(phase, measure, _fmt(value))


def _outcome_rows(results: dict[str, Any], details: Table) -> None:
    """Accuracy, the growth points, memory and disk."""
    acc = results.get("accuracy") or {}
    if acc.get("items"):
        for kind in ("pairwise", "bcubed"):
            s = acc[kind]
            details.add_row(
                "accuracy",
                f"{kind} P / R / F1",
                f"{s['precision']:.4f} / {s['recall']:.4f} / {s['f1']:.4f}",
            )
    for point in dig(results, "growth", "points") or []:
        details.add_row(
            "growth",
            f"{_fmt(point.get('profiles'))} profiles: resolved/s, p99 ms",
            f"{_fmt(point.get('resolved_per_second'))}, {_fmt(point.get('p99_ms'))}",
        )
        activation = point.get("activation")
        if activation:
            details.add_row(
                "growth",
                f"{_fmt(activation.get('total'))} profiles: segment activation answered / "
                "evaluated (s)",
                f"{activation['answered_seconds']} / {activation['seconds']} "
                f"({activation['status']})",
            )
    for name, value in (dig(results, "memory", "peak_rss_bytes") or {}).items():
        details.add_row("memory", f"peak RSS {name}", _mib(value))
    store = dig(results, "memory", "store") or {}
    details.add_row(
        "disk",
        "Neo4j data folder (of it, transaction logs)",
        f"{_mib(store.get('total'))} ({_mib(store.get('transactions'))})",
    )


def _check_rows(results: dict[str, Any], details: Table) -> None:
    """The stored-events checks of the phases that made one."""
    checks = [
        (name, dig(results, *path, "check"))
        for name, path in (
            ("warm-up", ("warmup",)),
            ("b", ("resolved",)),
            ("r", ("returning", "resolved")),
        )
    ]
    checks += [
        (f"growth {_fmt(p.get('target'))}", dig(p, "resolved", "check"))
        for p in dig(results, "growth", "points") or []
        if p.get("target")
    ]
    done = [f"{name} {_fmt(check['stored'])}" for name, check in checks if check]
    if done:
        details.add_row("checks", "stored events = distinct sent", "; ".join(done))


def _workspace_rows(results: dict[str, Any], details: Table) -> None:
    """The workspace loaded, and what its segments, journeys and destinations did."""
    workspace = results.get("workspace")
    if workspace:
        details.add_row(
            "workspace",
            f"{workspace['file']} (sha256 {workspace['sha256'][:12]})",
            f"{workspace['segments']} segments, {workspace['journeys']} journeys, "
            f"{workspace['destinations']} destination(s)",
        )
    activity = results.get("workspace_activity") or {}
    members = activity.get("segment_members") or {}
    if members:
        details.add_row(
            "segments",
            "with members after (b) and (r)",
            f"{sum(1 for n in members.values() if n)} of {len(members)}; "
            f"{sum(members.values()):,} memberships",
        )
    for name, journey in (activity.get("journeys") or {}).items():
        details.add_row("journey", name, _outcomes(journey.get("stats")))
    for name, destination in (activity.get("destinations") or {}).items():
        stats = destination.get("stats") or {}
        details.add_row(
            "destination",
            f"{name}: delivered / skipped (no consent) / dead letters",
            f"{_fmt(stats.get('delivered'))} / {_fmt(stats.get('skipped_no_consent'))} / "
            f"{_fmt(stats.get('dead_letters'))}",
        )
    received = results.get("receiver_at_end") or activity.get("receiver")
    if received:
        details.add_row(
            "receiver",
            "requests: journey calls / destination batches (items)",
            f"{_fmt(received['journey_calls'])} / "
            f"{_fmt(received['requests'] - received['journey_calls'])} "
            f"({_fmt(received['destination_items'])}); bad signatures "
            f"{received['bad_signatures']}",
        )


def write_json(results: dict[str, Any], out_dir: Path, stamp: str) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    data = orjson.dumps(results, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
    path = out_dir / f"{stamp}.json"
    path.write_bytes(data)
    (out_dir / "latest.json").write_bytes(data)
    return path


def plot(results: dict[str, Any], path: Path) -> Path | None:
    """Resolved events/s and p99 latency against the number of profiles in the graph."""
    points = [
        p
        for p in dig(results, "growth", "points") or []
        if p.get("profiles") and p.get("resolved_per_second")
    ]
    if not points:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    points.sort(key=lambda p: p["profiles"])
    xs = [p["profiles"] for p in points]
    fig, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(7, 6))
    top.plot(xs, [p["resolved_per_second"] for p in points], marker="o", label="resolved / s")
    raw = dig(results, "raw", "events_per_second")
    if raw:
        top.axhline(raw, linestyle="--", color="grey", label="raw Neo4j writes / s (small graph)")
    top.axhline(RESOLVED_TARGET, linestyle=":", color="red", label="target")
    top.set_ylabel("events / s")
    top.set_ylim(bottom=0)
    top.legend(loc="lower right", fontsize="small")
    p99 = [(p["profiles"], p["p99_ms"]) for p in points if p.get("p99_ms") is not None]
    if p99:
        bottom.plot(
            [x for x, _ in p99], [y for _, y in p99], marker="o", color="tab:orange", label="p99"
        )
    bottom.axhline(P99_TARGET_MS, linestyle=":", color="red", label="target")
    bottom.set_ylabel(f"p99 ms at {dig(results, 'latency', 'offered_rate')} ev/s")
    bottom.set_ylim(bottom=0)
    bottom.set_xlabel("active profiles in the graph")
    bottom.legend(loc="best", fontsize="small")
    if max(xs) / max(1, min(xs)) >= 10:
        bottom.set_xscale("log")
    fig.suptitle(
        f"graph-cdp benchmark ({results.get('mode')}, {configuration_label(results)}, "
        f"{results.get('started_at')})"
    )
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
