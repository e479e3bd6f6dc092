"""Pure parts of the benchmark's phases: which sent events the latency phase follows, the
worker's backlog while it ran, and the time a growth step is expected to take."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bench.generator import Batch
from bench.latency import Followed, follow_up_summary
from bench.options import QUICK
from bench.phases import growth_estimate


def _message(n: int, user: str | None = None, owned: bool = True) -> dict[str, Any]:
    return {"messageId": f"m{n}", "userId": user, "owned": owned}


class Expected:
    def __init__(self) -> None:
        self.calls: list[tuple[list[str], float]] = []

    def __call__(self, ids: list[str], at: float) -> None:
        self.calls.append((ids, at))


def test_one_owned_event_in_n_is_followed_and_each_users_first_message_is_their_login() -> None:
    expected = Expected()
    followed = Followed("ws:src:", lambda m: bool(m["owned"]), expected, 2, logins=True)
    followed.on_send(
        Batch([_message(1, "u1"), _message(2, owned=False), _message(3), _message(4, "u1")]), 1.0
    )
    followed.on_send(Batch([_message(5, "u2"), _message(6)]), 2.0)
    # Owned events are m1, m3, m4, m5, m6: the 1st, 3rd and 5th are followed.
    assert expected.calls == [(["ws:src:m1", "ws:src:m4"], 1.0), (["ws:src:m6"], 2.0)]
    assert followed.logins == {"u1": ("ws:src:m1", 1.0), "u2": ("ws:src:m5", 2.0)}


def test_logins_are_not_kept_without_a_real_time_chain() -> None:
    followed = Followed("ws:src:", lambda m: True, Expected(), 1, logins=False)
    followed.on_send(Batch([_message(1, "u1")]), 1.0)
    assert followed.logins == {}


def test_the_backlog_summary_keeps_the_most_and_the_median_of_each_queue() -> None:
    backlog = [
        {"changes": c, "journey_jobs": j, "destination_items": 0}
        for c, j in ((5, 1), (1, 0), (9, 2))
    ]
    assert follow_up_summary(backlog) == {
        "follow_up_max": {"changes": 9, "journey_jobs": 2, "destination_items": 0},
        "follow_up_median": {"changes": 5, "journey_jobs": 1, "destination_items": 0},
    }
    assert follow_up_summary([])["follow_up_max"] == {
        "changes": 0,
        "journey_jobs": 0,
        "destination_items": 0,
    }


def test_a_growth_step_is_estimated_from_the_seeding_and_resolving_rates() -> None:
    o = replace(QUICK, growth_events=5_000, growth_latency_seconds=5.0)
    # 90,000 profiles at 2,000/s, 5,000 events at 1,000/s, 5 s of latency, 15 s of waits.
    assert growth_estimate(o, 10_000, 100_000, 2_000.0, 1_000.0) == 45 + 5 + 5 + 15
    # Nothing to seed; an unmeasured or tiny resolved rate counts as 100 events/s.
    assert growth_estimate(o, 200_000, 100_000, 2_000.0, None) == 50 + 5 + 15
    assert growth_estimate(o, 200_000, 100_000, 2_000.0, 10.0) == 50 + 5 + 15
