"""Process faults: a worker killed, Valkey and Neo4j restarted under a running worker, and a
supervised child killed. Real processes (`python -m app.entrypoints.cli worker|api`), real
Valkey and Neo4j; every count is exact.

Regressions: a Valkey restart ended arq's main loop and with it the worker process (the
resolver, the segment feed and destinations it hosts), and `cdp run` then stopped the whole
stack because one child had exited.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest

from app.bootstrap import Container
from app.entrypoints.supervisor import ChildSpec, Supervisor
from app.services.tracking.sources import Source
from app.settings import Settings
from tests.messages import message
from tests.pipeline import stored_events
from tests.processes import CLI, free_port, start_cli, stop
from tests.services import REPO, Endpoints
from tests.subprocess_env import process_env

#: Each test is bounded; the first one of a session also waits for Neo4j to start.
pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]


async def _until(check: Callable[[], Awaitable[bool]], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:.0f} s for {what}")
        await asyncio.sleep(0.1)


async def _at_least(value: Callable[[], Awaitable[int]], floor: int) -> bool:
    return await value() >= floor


class Ingestion:
    """Messages accepted through the real acceptance path; remembers every id it was told
    was accepted (a duplicate would make the exact counts below fail)."""

    def __init__(self, container: Container, source: Source) -> None:
        self.container = container
        self.source = source
        self.ids: list[str] = []
        self._batch = 0

    async def accept(self, batches: int, size: int = 10) -> None:
        for _ in range(batches):
            b = self._batch
            self._batch += 1
            messages = [
                message(
                    "identify" if i % 3 == 0 else "track",
                    anon=f"anon-{b}-{i % 4}",
                    user=f"user-{b}" if i % 3 == 0 else None,
                    source=self.source.id,
                    at=float(b * 100 + i),
                    message_id=f"fault-{b}-{i}",
                )
                for i in range(size)
            ]
            outcome = await self.container.acceptance.accept(self.source, messages)
            assert (outcome.accepted, outcome.duplicates) == (size, 0)
            self.ids.extend(m.message_id for m in messages)

    async def processed(self) -> int:
        return (await self.container.stream.stats()).get("processed", 0)

    async def drained(self) -> bool:
        stats = await self.container.stream.stats()
        return stats["pending"] == 0 and await stored_events(self.container) == len(self.ids)

    def drained_by(self, worker: asyncio.subprocess.Process) -> Callable[[], Awaitable[bool]]:
        """`drained`, failing at once if the worker process is gone."""

        async def check() -> bool:
            assert worker.returncode is None, f"the worker exited ({worker.returncode})"
            return await self.drained()

        return check

    async def assert_stored_once(self) -> None:
        """Every accepted message is one event in the graph, in a profile; nothing else."""
        ws = self.container.settings.workspace
        wanted = [f"{ws}:{self.source.id}:{mid}" for mid in self.ids]
        rows = await self.container.graph.read("bench/events_present", ids=wanted)
        assert sorted(row["id"] for row in rows) == sorted(wanted)
        assert await stored_events(self.container) == len(wanted)
        assert (await self.container.stream.stats())["pending"] == 0


async def _ingestion(container: Container) -> Ingestion:
    return Ingestion(container, (await container.sources.create("faults")).source)


async def _start_worker(settings: Settings, log: Path) -> asyncio.subprocess.Process:
    # Small batches (two requests each): the worker is killed in the middle of many.
    env = process_env(settings, CDP_RESOLVER_BATCH_ENTRIES="2", CDP_RESOLVER_BATCH_MESSAGES="1")
    return await start_cli(["worker"], env, log, append=True)


async def _arq_answers(container: Container) -> None:
    """The worker's arq loop runs jobs (not only its resolver): a job goes through."""
    job = await container.arq.enqueue_job("graph_stats")
    assert job is not None
    result = await job.result(timeout=60, poll_delay=0.2)
    assert set(result) == {"identifiers", "profiles", "events"}


async def test_a_worker_killed_mid_ingestion_loses_and_doubles_nothing(
    container: Container, settings: Settings, tmp_path: Path
) -> None:
    ingestion = await _ingestion(container)
    await ingestion.accept(12)
    log = tmp_path / "worker.log"
    first = await _start_worker(settings, log)
    try:
        await _until(lambda: _at_least(ingestion.processed, 20), 60, "the worker to start")
    finally:
        first.send_signal(signal.SIGKILL)
        await first.wait()
    assert (await container.stream.stats())["pending"] > 0, "killed too late to prove anything"
    await ingestion.accept(3)  # trackers keep sending while no worker runs

    second = await _start_worker(settings, log)
    try:
        await _until(ingestion.drained_by(second), 90, "the restarted worker to drain")
        await ingestion.assert_stored_once()
        assert len(ingestion.ids) == 150
        assert second.returncode is None
        assert await _health_check(settings) == 0  # what docker-compose.yml asks
    finally:
        assert await stop(second) == 0
    assert await _health_check(settings) == 1  # a stopped worker takes its health key along


async def _health_check(settings: Settings) -> int:
    check = await asyncio.create_subprocess_exec(
        *CLI,
        "worker",
        "--check",
        env=process_env(settings),
        cwd=str(REPO),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    return await asyncio.wait_for(check.wait(), 60)


async def test_a_restarted_resolver_takes_up_at_once_every_entry_its_last_run_left(
    container: Container,
) -> None:
    """A killed resolver leaves more pending entries than one batch; its successor (same
    consumer name) reads them all at once. Regression: it read the first batch, and the rest
    waited for the claim of stale entries (30 s later)."""
    ingestion = await _ingestion(container)
    await ingestion.accept(6)
    await container.stream.ensure_group()
    left = await container.stream.read_new("resolver-x", 6, 100)  # delivered, never acked
    assert len(left) == 6
    resolver = container.resolver("resolver-x")
    resolver.batch_entries = 1
    resolver.claim_idle_ms = 600_000
    stop = asyncio.Event()
    task = asyncio.create_task(resolver.run(stop, block_ms=50))
    try:
        await _until(ingestion.drained, 15, "the left entries to be resolved")
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
    await ingestion.assert_stored_once()
    assert len(ingestion.ids) == 60


async def test_a_worker_survives_a_valkey_restart_mid_ingestion(
    container: Container, settings: Settings, endpoints: Endpoints, tmp_path: Path
) -> None:
    valkey = endpoints.local_valkey
    if valkey is None:
        pytest.skip("needs the locally launched Valkey")
    ingestion = await _ingestion(container)
    await ingestion.accept(12)
    log = tmp_path / "worker.log"
    worker = await _start_worker(settings, log)
    try:
        await _until(lambda: _at_least(ingestion.processed, 20), 60, "the worker to start")
        assert (await container.stream.stats())["pending"] > 0, "restarted too late"
        await asyncio.to_thread(valkey.stop)
        await asyncio.sleep(3)  # every loop of the worker meets Valkey down
        assert worker.returncode is None, "the worker exited while Valkey was down"
        await asyncio.to_thread(valkey.start)
        await container.redis.connection_pool.disconnect()
        await container.arq.connection_pool.disconnect()
        await ingestion.accept(3)  # and trackers go on sending
        await _until(ingestion.drained_by(worker), 90, "the worker to drain after the restart")
        await ingestion.assert_stored_once()
        assert len(ingestion.ids) == 150
        await _arq_answers(container)
        assert worker.returncode is None
    finally:
        assert await stop(worker) == 0
    text = log.read_text()
    assert "waits for Valkey" in text and "Traceback" not in text


async def test_a_worker_survives_a_neo4j_restart_mid_ingestion(
    container: Container, settings: Settings, endpoints: Endpoints, tmp_path: Path
) -> None:
    neo4j = endpoints.local_neo4j
    if neo4j is None:
        pytest.skip("needs the locally launched Neo4j")
    ingestion = await _ingestion(container)
    await ingestion.accept(12)
    log = tmp_path / "worker.log"
    worker = await _start_worker(settings, log)
    try:
        await _until(lambda: _at_least(ingestion.processed, 20), 60, "the worker to start")
        assert (await container.stream.stats())["pending"] > 0, "restarted too late"
        await asyncio.to_thread(neo4j.stop)
        await ingestion.accept(3)  # accepted while Neo4j is down: Valkey holds them
        await asyncio.sleep(2)
        assert worker.returncode is None, "the worker exited while Neo4j was down"
        await asyncio.to_thread(neo4j.start)
        await _until(ingestion.drained_by(worker), 90, "the worker to drain after the restart")
        await ingestion.assert_stored_once()
        assert len(ingestion.ids) == 150
        await _arq_answers(container)
        assert worker.returncode is None
    finally:
        assert await stop(worker) == 0
    assert "Traceback" not in log.read_text()


# -- cdp run's supervisor -------------------------------------------------------------------


class Running:
    """A supervisor running in a thread, as `cdp run` runs it in its main thread."""

    def __init__(self, supervisor: Supervisor) -> None:
        self.supervisor = supervisor
        self.code: int | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        self.code = self.supervisor.run(poll=0.05)

    def stop(self) -> int | None:
        self.supervisor.request_stop()
        self.thread.join(60)
        assert not self.thread.is_alive()
        return self.code


def _pid_alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


async def test_a_killed_api_child_is_started_again(settings: Settings, tmp_path: Path) -> None:
    port = free_port()
    api = ChildSpec(
        "api",
        [*CLI, "api", "--port", str(port)],
        env=process_env(settings),
        cwd=REPO,
        output=tmp_path / "api.log",
    )
    said: list[str] = []
    running = Running(Supervisor([api], first_delay=0.2, say=said.append))
    supervisor = running.supervisor
    base = f"http://127.0.0.1:{port}"

    async def ready() -> bool:
        try:
            async with httpx.AsyncClient(timeout=2) as client:
                return (await client.get(f"{base}/readyz")).status_code == 200
        except httpx.HTTPError:
            return False

    async def replaced() -> bool:
        return supervisor.pid("api") not in (None, first)

    first: int | None = None
    second: int | None = None
    try:
        await _until(ready, 60, "the API to answer")
        first = supervisor.pid("api")
        assert first is not None
        os.kill(first, signal.SIGKILL)
        await _until(replaced, 30, "the API to be started again")
        await _until(ready, 60, "the restarted API to answer")
        assert supervisor.restarts("api") == 1
        assert running.thread.is_alive()
        second = supervisor.pid("api")
    finally:
        code = running.stop()
    assert code == 0
    assert first is not None and second is not None
    assert not _pid_alive(first) and not _pid_alive(second)
    assert [line.split(" after ")[0] for line in said] == [
        "api exited on SIGKILL",
        f"api started again (pid {second})",
        "stopping api...",
    ]


def _sleeper(pid_file: Path) -> list[str]:
    code = "import os, sys, time; open(sys.argv[1], 'w').write(str(os.getpid())); time.sleep(60)"
    return [sys.executable, "-c", code, str(pid_file)]


def _pid_in(pid_file: Path) -> int:
    deadline = time.monotonic() + 20
    while not pid_file.exists() or not pid_file.read_text():
        assert time.monotonic() < deadline, "the child did not start"
        time.sleep(0.05)
    return int(pid_file.read_text())


def test_a_crash_looping_child_stops_everything(tmp_path: Path) -> None:
    sleeper = ChildSpec("sleeper", _sleeper(tmp_path / "sleeper.pid"))
    flaky = ChildSpec("flaky", [sys.executable, "-c", "import sys; sys.exit(3)"])
    said: list[str] = []
    supervisor = Supervisor(
        [sleeper, flaky], max_restarts=3, window=60, first_delay=0.5, say=said.append
    )
    started = time.monotonic()
    assert supervisor.run(poll=0.05) == 1
    assert time.monotonic() - started < 30
    assert supervisor.restarts("flaky") == 3 and supervisor.restarts("sleeper") == 0
    assert not _pid_alive(_pid_in(tmp_path / "sleeper.pid"))  # stopped with the rest
    assert sum(line.startswith("flaky exited with code 3") for line in said) == 4
    assert sum(line.startswith("flaky started again") for line in said) == 3
    assert "giving up" in said[-2] and said[-1] == "stopping sleeper..."


def test_a_stop_request_stops_every_child_and_restarts_none(tmp_path: Path) -> None:
    children = [ChildSpec(name, _sleeper(tmp_path / f"{name}.pid")) for name in ("api", "worker")]
    said: list[str] = []
    running = Running(Supervisor(children, say=said.append))
    pids = [_pid_in(tmp_path / "api.pid"), _pid_in(tmp_path / "worker.pid")]
    assert running.stop() == 0
    assert not any(_pid_alive(pid) for pid in pids)
    assert running.supervisor.restarts("api") == running.supervisor.restarts("worker") == 0
    assert said == ["stopping api, worker..."]
