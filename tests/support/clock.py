"""A clock a test moves by hand."""

from __future__ import annotations


class Clock:
    """`clock()` answers `clock.now`, which the test sets or moves on."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now
