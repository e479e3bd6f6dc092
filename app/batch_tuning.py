"""Interpreter settings for the processes that write batches (the resolver, the worker).

The garbage collector:

A resolver batch builds hundreds of thousands of short-lived containers (rows, sealed
payloads, clustering state) that live as long as the batch, about a second. With CPython's
default thresholds (700, 10, 10) each young collection found them alive and promoted them, so
they reached the oldest generation and set off a full collection every second or so: 110-130
ms each, most of them collecting nothing, taken from whichever transaction held the workspace
lock. Collecting young objects less often lets a batch's objects die (by reference counting)
before they are promoted, and freezing what start-up built keeps the full collections that
remain from walking it.

The thread switch interval: the next batch is prepared in a worker thread (CPU work) while the
locked transaction waits on the event loop for each query's answer. Woken by the answer, the
event loop waited for the GIL until the preparing thread was asked to let go, after CPython's
default 5 ms; a batch sends some twenty queries and reads their answers in several chunks.
At 0.2 ms the locked transaction's queries took 10 % less time (the preparing thread is
interrupted more often, for nothing measurable).
"""

from __future__ import annotations

import gc
import sys

#: Net allocations between young collections (CPython's default is 700).
YOUNG = 50_000
#: Young collections between middle ones, middle between full ones (CPython's: 10 and 10).
MIDDLE = 20
OLD = 10
#: Seconds a thread may hold the GIL while another waits for it (CPython's default is 0.005).
SWITCH_INTERVAL = 0.0002


def tune_for_batches() -> None:
    """Collect once, freeze the survivors (modules, settings, the container), space out
    collections and shorten the switch interval. Call once, when the process has finished
    starting."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG, MIDDLE, OLD)
    sys.setswitchinterval(SWITCH_INTERVAL)
