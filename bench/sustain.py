"""The sustained phase's summary: the resolved rate over the window and the lag's trend."""

from __future__ import annotations

from typing import Any

from bench.load import PostStats


def summarise_sustained(
    samples: list[dict[str, float]], posted: PostStats, rate: float
) -> dict[str, Any]:
    """Resolved rate over the window and the lag's trend over its second half."""
    if len(samples) < 2:
        return {"resolved_per_second": None, "lag_bounded": None, "samples": samples}
    first, last = samples[0], samples[-1]
    window = last["t"] - first["t"]
    resolved = (last["processed"] - first["processed"]) / window if window > 0 else 0.0
    half = samples[len(samples) // 2 :]
    slope = _slope([s["t"] for s in half], [s["pending"] for s in half])
    max_pending = max(s["pending"] for s in samples)
    # Bounded: over the second half, the trend of the backlog adds less than one second of
    # offered traffic (a backlog that only wobbles by a few stream entries has no trend).
    growth = slope * (half[-1]["t"] - half[0]["t"])
    bounded = growth <= rate
    return {
        "offered_rate": rate,
        "seconds": round(window, 1),
        "accepted_per_second": round(posted.messages_per_second, 1),
        "distinct_offered_per_second": round(posted.distinct / posted.seconds, 1)
        if posted.seconds > 0
        else 0.0,
        "resolved_per_second": round(resolved, 1),
        "max_pending": int(max_pending),
        "final_pending": int(last["pending"]),
        "lag_slope_per_second": round(slope, 2),
        "lag_growth_second_half": round(growth, 1),
        "max_lag_seconds": round(max_pending / rate, 2) if rate > 0 else None,
        "lag_bounded": bounded,
        "rejected_429": posted.rejected_429,
        "samples": samples,
    }


def _slope(xs: list[float], ys: list[float]) -> float:
    """Least-squares slope of ys over xs (0 for fewer than two distinct xs)."""
    n = len(xs)
    if n < 2:
        return 0.0
    mx, my = sum(xs) / n, sum(ys) / n
    var = sum((x - mx) ** 2 for x in xs)
    if var == 0:
        return 0.0
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / var
