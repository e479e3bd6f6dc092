"""Garbage-collector settings for the processes that write batches (the resolver, the worker).

A resolver batch builds hundreds of thousands of short-lived containers (rows, sealed
payloads, clustering state) that live as long as the batch, about a second. With CPython's
default thresholds (700, 10, 10) each young collection found them alive and promoted them, so
they reached the oldest generation and set off a full collection every second or so: 110-130
ms each, most of them collecting nothing, taken from whichever transaction held the workspace
lock. Collecting young objects less often lets a batch's objects die (by reference counting)
before they are promoted, and freezing what start-up built keeps the full collections that
remain from walking it.
"""

from __future__ import annotations

import gc

#: Net allocations between young collections (CPython's default is 700).
YOUNG = 50_000
#: Young collections between middle ones, middle between full ones (CPython's: 10 and 10).
MIDDLE = 20
OLD = 10


def tune_for_batches() -> None:
    """Collect once, freeze the survivors (modules, settings, the container) and space out
    collections. Call once, when the process has finished starting."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG, MIDDLE, OLD)
