"""Loops and the arq worker outlive their backing services (no servers: failures are faked)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from types import TracebackType
from typing import Any, cast

import pytest
from arq import Retry
from arq.connections import ArqRedis
from arq.worker import func
from neo4j.exceptions import ServiceUnavailable
from redis.exceptions import ConnectionError as RedisConnectionError

from app.settings import Settings
from app.supervision import Backoff, keep_running, once_up
from workers.jobs import journey_steps
from workers.settings import JOB_TRIES, retry_when_down, worker_options
from workers.supervised import SupervisedWorker


def test_backoff_doubles_up_to_its_cap_and_starts_again_after_a_reset() -> None:
    backoff = Backoff(0.5, 3.0)
    assert [backoff.next() for _ in range(5)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    backoff.reset()
    assert backoff.next() == 0.5


async def test_a_loop_waits_while_a_service_is_down_and_is_started_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls: list[int] = []
    stop = asyncio.Event()

    async def loop(stop: asyncio.Event) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379")
        if len(calls) == 2:
            raise ValueError("jane@example.com is not a number")
        stop.set()

    with caplog.at_level(logging.WARNING, logger="app.supervision"):
        await asyncio.wait_for(keep_running("feed", loop, stop, Backoff(0.01, 0.02)), 5)
    assert len(calls) == 3
    lines = [r.getMessage() for r in caplog.records]
    assert lines[0] == "feed waits for a backing service (ConnectionError); retrying in 0.0 s"
    assert lines[1].startswith("feed stopped on ValueError at test_supervision.py:")
    assert not any("jane" in line or "6379" in line for line in lines)
    assert all(r.exc_info is None for r in caplog.records)


async def test_a_loop_that_returns_early_is_started_again_and_stop_ends_it() -> None:
    calls: list[int] = []
    stop = asyncio.Event()

    async def loop(stop: asyncio.Event) -> None:
        calls.append(1)
        if len(calls) == 3:
            stop.set()

    await asyncio.wait_for(keep_running("loop", loop, stop, Backoff(0.01, 0.01)), 5)
    assert len(calls) == 3


async def test_once_up_retries_while_down_then_gives_up() -> None:
    attempts: list[int] = []

    async def flaky() -> str:
        attempts.append(1)
        if len(attempts) < 3:
            raise RedisConnectionError("down")
        return "up"

    assert await once_up("start-up", flaky, 5, Backoff(0.01, 0.01)) == "up"

    async def down() -> None:
        raise RedisConnectionError("down")

    with pytest.raises(RedisConnectionError):
        await once_up("start-up", down, 0.05, Backoff(0.01, 0.01))


class _DownPipeline:
    async def __aenter__(self) -> _DownPipeline:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    async def watch(self, *keys: str) -> None:
        raise RedisConnectionError("Connection closed by server.")


class _DownPool:
    """An arq pool whose Valkey went away."""

    def pipeline(self, transaction: bool = True) -> _DownPipeline:
        return _DownPipeline()

    async def zrangebyscore(self, *args: Any, **kwargs: Any) -> list[bytes]:
        return [b"job-1", b"job-2"]

    async def zcard(self, key: str) -> int:
        raise RedisConnectionError("Connection closed by server.")

    async def delete(self, *keys: str) -> int:
        raise RedisConnectionError("Connection closed by server.")

    async def aclose(self, close_connection_pool: bool | None = None) -> None:
        return None


async def _noop(ctx: dict[Any, Any]) -> None:
    return None


def _worker(**kwargs: Any) -> SupervisedWorker:
    return SupervisedWorker(
        functions=[_noop],
        redis_pool=cast(ArqRedis, _DownPool()),
        handle_signals=False,
        max_jobs=2,
        **kwargs,
    )


async def test_a_poll_that_meets_valkey_down_waits_and_keeps_every_job_slot() -> None:
    worker = _worker()
    worker._backoff = Backoff(0.01, 0.01)
    for _ in range(5):  # arq's own poll raised here, and lost a slot per job it tried
        await worker._poll_iteration()
    assert worker.job_counter == 0
    assert worker.sem._value == worker.max_jobs + 1


async def test_a_worker_stops_cleanly_while_valkey_is_down() -> None:
    stopped: list[bool] = []

    async def on_shutdown(ctx: dict[Any, Any]) -> None:
        stopped.append(True)

    worker = _worker(on_shutdown=on_shutdown)
    await worker.close()
    assert stopped == [True]


async def test_a_job_that_meets_a_service_down_runs_again_later() -> None:
    async def step(ctx: dict[Any, Any], run_id: str) -> str:
        if run_id == "bad":
            raise ValueError(run_id)
        raise ServiceUnavailable("Couldn't connect to 127.0.0.1:7687")

    job = retry_when_down(step)
    delays = []
    for job_try in (1, 3, 9):
        with pytest.raises(Retry) as caught:
            await job({"job_try": job_try}, "run-1")
        delays.append(caught.value.defer_score)
    assert delays == [2000, 8000, 60000]
    with pytest.raises(ValueError):  # anything else fails the job as before
        await job({"job_try": 1}, "bad")


def test_the_worker_keeps_its_job_names_and_tries_jobs_long_enough(tmp_path: Path) -> None:
    options = worker_options(Settings(env="test", data_dir=tmp_path))
    names = {func(f).name for f in options["functions"]}
    assert func(journey_steps).name == "journey_steps" and "journey_steps" in names
    assert "journey_step" in names  # jobs queued one run at a time before an upgrade still run
    assert {"heartbeat", "erase_subject", "resume_erasures", "refresh_segments"} <= names
    scheduled = {c.name for c in options["cron_jobs"]}
    assert scheduled >= {"cron:default:heartbeat", "cron:default:resume_erasures"}
    assert options["max_tries"] == JOB_TRIES == 20
