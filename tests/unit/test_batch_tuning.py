"""The resolver's interpreter settings: a batch's short-lived objects set off no full
collection, and the event loop is the one the settings name."""

from __future__ import annotations

import asyncio
import gc
import sys
from collections.abc import Iterator

import pytest

from app.batch_tuning import SWITCH_INTERVAL, EventLoop, install_event_loop, tune_for_batches
from app.settings import Settings


@pytest.fixture
def restored_gc() -> Iterator[None]:
    thresholds, interval = gc.get_threshold(), sys.getswitchinterval()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)
    sys.setswitchinterval(interval)


def _full_collections_during_batches(batches: int, rows: int) -> int:
    full: list[int] = []

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and info["generation"] == 2:
            full.append(1)

    gc.callbacks.append(count)
    try:
        for b in range(batches):
            # What a batch holds while it is written: one dict (and a list) per row.
            held = [{"key": f"{b}:{i}", "values": [i, i + 1]} for i in range(rows)]
            assert len(held) == rows
            del held
    finally:
        gc.callbacks.remove(count)
    return len(full)


def test_batches_of_short_lived_rows_set_off_no_full_collection(restored_gc: None) -> None:
    tune_for_batches()
    assert gc.get_freeze_count() > 0
    assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL)
    assert _full_collections_during_batches(batches=5, rows=100_000) == 0


@pytest.fixture
def restored_policy() -> Iterator[None]:
    policy = asyncio.get_event_loop_policy()
    yield
    asyncio.set_event_loop_policy(policy)


async def _loop_module() -> str:
    return type(asyncio.get_running_loop()).__module__


@pytest.mark.parametrize(("kind", "module"), [("uvloop", "uvloop"), ("asyncio", "asyncio")])
def test_the_worker_and_resolver_run_on_the_event_loop_the_settings_name(
    restored_policy: None, kind: EventLoop, module: str
) -> None:
    install_event_loop(kind)
    assert asyncio.run(_loop_module()).split(".")[0] == module


def test_uvloop_is_the_default_and_an_unknown_loop_is_refused() -> None:
    assert Settings().event_loop == "uvloop"
    with pytest.raises(ValueError, match="event_loop"):
        Settings(event_loop="trio")
