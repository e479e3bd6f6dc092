"""The resolver's interpreter settings: a batch's short-lived objects set off no full
collection."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator

import pytest

from app.batch_tuning import SWITCH_INTERVAL, tune_for_batches


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
