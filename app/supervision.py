"""Background loops that outlive their backing services.

The worker (and `cdp resolver`) run loops against Neo4j and Valkey for weeks: either server
may restart under them. A loop that meets a server that does not answer waits, with a delay
that doubles up to a bound, and carries on by itself once the server is back; a loop that
stops on anything else is started again. Waits are logged by the error's kind only (its
message can quote a value), never with payloads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from neo4j.exceptions import ServiceUnavailable, SessionExpired, TransientError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)
T = TypeVar("T")

#: What a server that is down, restarting or still loading raises: Neo4j's driver
#: (`ServiceUnavailable`, `SessionExpired`, `DatabaseUnavailable` and other transient
#: errors), redis-py (`ConnectionError`, which includes Valkey's LOADING, and `TimeoutError`)
#: and sockets.
BACKING_SERVICE_DOWN: tuple[type[Exception], ...] = (
    ServiceUnavailable,
    SessionExpired,
    TransientError,
    RedisConnectionError,
    RedisTimeoutError,
    ConnectionError,
)
#: The same, or any socket error on the way.
UNREACHABLE: tuple[type[Exception], ...] = (*BACKING_SERVICE_DOWN, OSError)
#: What Valkey's client raises while Valkey does not answer.
VALKEY_DOWN: tuple[type[Exception], ...] = (RedisConnectionError, RedisTimeoutError, OSError)


class Backoff:
    """Delays that double from `first` up to `cap`; `reset()` after a success."""

    def __init__(self, first: float = 0.5, cap: float = 10.0) -> None:
        self.first = first
        self.cap = cap
        self._next = first

    def next(self) -> float:
        delay = self._next
        self._next = min(self._next * 2, self.cap)
        return delay

    def reset(self) -> None:
        self._next = self.first


async def pause(stop: asyncio.Event, seconds: float) -> None:
    """Sleep, cut short when `stop` is set."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


def where(exc: BaseException) -> str:
    """The innermost place an exception was raised (file and line): logged instead of its
    message, which can quote a value."""
    tb = exc.__traceback__
    if tb is None:
        return "?"
    while tb.tb_next is not None:
        tb = tb.tb_next
    return f"{os.path.basename(tb.tb_frame.f_code.co_filename)}:{tb.tb_lineno}"


async def keep_running(
    name: str,
    loop: Callable[[asyncio.Event], Awaitable[None]],
    stop: asyncio.Event,
    backoff: Backoff | None = None,
    stable_after: float = 60.0,
) -> None:
    """Run `loop(stop)` until `stop` is set. If it raises (or returns while `stop` is not
    set), start it again after a bounded back-off; a run that lasted `stable_after` seconds
    starts the back-off afresh."""
    backoff = backoff or Backoff(0.5, 30.0)
    while not stop.is_set():
        started = time.monotonic()
        try:
            await loop(stop)
        except BACKING_SERVICE_DOWN as exc:
            if time.monotonic() - started > stable_after:
                backoff.reset()
            delay = backoff.next()
            log.warning(
                "%s waits for a backing service (%s); retrying in %.1f s",
                name,
                type(exc).__name__,
                delay,
            )
        except Exception as exc:
            if time.monotonic() - started > stable_after:
                backoff.reset()
            delay = backoff.next()
            log.error(
                "%s stopped on %s at %s; starting it again in %.1f s",
                name,
                type(exc).__name__,
                where(exc),
                delay,
            )
        else:
            if stop.is_set():
                return
            delay = backoff.next()
            log.warning("%s returned early; starting it again in %.1f s", name, delay)
        await pause(stop, delay)


async def once_up(
    name: str,
    operation: Callable[[], Awaitable[T]],
    give_up_after: float,
    backoff: Backoff | None = None,
) -> T:
    """`operation()`, tried again while a backing service does not answer, for at most
    `give_up_after` seconds (then its error is raised)."""
    backoff = backoff or Backoff(0.5, 10.0)
    deadline = time.monotonic() + give_up_after
    while True:
        try:
            return await operation()
        except BACKING_SERVICE_DOWN as exc:
            delay = backoff.next()
            if time.monotonic() + delay > deadline:
                raise
            log.warning(
                "%s waits for a backing service (%s); retrying in %.1f s",
                name,
                type(exc).__name__,
                delay,
            )
            await asyncio.sleep(delay)
