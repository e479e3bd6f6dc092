"""Long garbage-collection pauses of a process are logged; short ones are not."""

import gc
import logging

import pytest

from app import logs


def test_a_long_collection_is_logged_and_a_short_one_is_not(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="app.gc"):
        logs._log_gc_pause("start", {"generation": 2})
        logs._log_gc_pause("stop", {"generation": 2, "collected": 0})
        assert not caplog.records
        logs._log_gc_pause("start", {"generation": 2})
        logs._gc_started[0] -= 0.25  # as if it had taken 250 ms
        logs._log_gc_pause("stop", {"generation": 2, "collected": 7})
    (record,) = caplog.records
    assert record.getMessage().startswith("garbage collection paused the process for 25")
    assert (record.generation, record.collected) == (2, 7)  # type: ignore[attr-defined]


def test_configuring_logs_installs_the_watch_once() -> None:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        logs.configure_logging("WARNING", json=True)
        logs.configure_logging("WARNING", json=True)
        assert gc.callbacks.count(logs._log_gc_pause) == 1
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
