"""What the benchmark runs against: its own Neo4j and Valkey, the API and a worker.

Unless NEO4J_URI / REDIS_URL are set, the benchmark starts a dedicated local Neo4j (instance
`bench`, Bolt 7689, HTTP 7476) and Valkey (6381) with the launchers of app.localservices, their
data under .local/ wiped at start, so a run never touches the development or test instances.
The API (`cdp api`) and the worker (`cdp worker`, as `make run` starts it: the resolver, the
change-feed consumer that keeps segments current and runs journeys, and destination delivery),
or with `--resolver-only` a resolver alone (`cdp resolver`), are subprocesses with the
benchmark's settings in their environment; outbound calls may reach 127.0.0.0/8, where the
benchmark's webhook receiver listens. The worker (or resolver) can be paused (SIGSTOP) so that
the API's own acceptance rate is measured with nobody consuming the stream, then resumed
(SIGCONT).
"""

from __future__ import annotations

import contextlib
import json
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx

from app.localservices.child_env import child_env
from app.localservices.neo4j_server import LocalNeo4j, Neo4jDistribution
from app.localservices.valkey_server import LocalValkey
from app.settings import Settings

REPO = Path(__file__).resolve().parents[1]
BENCH_BOLT_PORT = 7689
BENCH_HTTP_PORT = 7476
BENCH_VALKEY_PORT = 6381


@dataclass(frozen=True)
class StackOptions:
    workspace: str = "bench"
    bolt_port: int = BENCH_BOLT_PORT
    http_port: int = BENCH_HTTP_PORT
    valkey_port: int = BENCH_VALKEY_PORT
    neo4j_heap: str | None = None
    neo4j_pagecache: str | None = None
    valkey_maxmemory: str = "4gb"
    stream_bound: int = 50_000_000
    resolver_batch_entries: int | None = None
    #: Internal networks outbound calls may reach: the benchmark's webhook receiver's.
    outbound_allowed_networks: tuple[str, ...] = ("127.0.0.0/8",)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class BenchServices:
    """Neo4j and Valkey for the run: local dedicated instances, or the configured ones."""

    def __init__(self, base: Settings, options: StackOptions) -> None:
        self.base = base
        self.options = options
        local = base.local_dir
        self.data_dir = local / "bench"
        self.neo4j: LocalNeo4j | None = None
        self.valkey: LocalValkey | None = None
        if base.neo4j_uri is None:
            self.neo4j = LocalNeo4j(
                distribution=Neo4jDistribution(local / "neo4j"),
                instance_dir=local / "neo4j" / "instances" / "bench",
                bolt_port=options.bolt_port,
                http_port=options.http_port,
                heap=options.neo4j_heap or base.local_neo4j_heap,
                pagecache=options.neo4j_pagecache or base.local_neo4j_pagecache,
            )
        if base.redis_url is None:
            self.valkey = LocalValkey(
                instance_dir=local / "valkey" / "bench",
                port=options.valkey_port,
                maxmemory=options.valkey_maxmemory,
            )

    @property
    def neo4j_uri(self) -> str:
        return self.neo4j.bolt_uri if self.neo4j else str(self.base.neo4j_uri)

    @property
    def redis_url(self) -> str:
        return self.valkey.url if self.valkey else str(self.base.redis_url)

    def start(self) -> None:
        """Wipe and start the local instances (stale ones of an earlier run are stopped)."""
        shutil.rmtree(self.data_dir, ignore_errors=True)
        if self.valkey is not None:
            self.valkey.stop()
            shutil.rmtree(self.valkey.instance_dir, ignore_errors=True)
            self.valkey.start()
        if self.neo4j is not None:
            self.neo4j.stop()
            shutil.rmtree(self.neo4j.instance_dir / "data", ignore_errors=True)
            shutil.rmtree(self.neo4j.instance_dir / "logs", ignore_errors=True)
            self.neo4j.start()

    def stop(self, wipe: bool = False) -> None:
        """Stop the local instances; with `wipe`, free their disk (a 1M-profile store is GBs)."""
        if self.neo4j is not None:
            self.neo4j.stop()
            if wipe:
                shutil.rmtree(self.neo4j.instance_dir / "data", ignore_errors=True)
        if self.valkey is not None:
            self.valkey.stop()
            if wipe:
                shutil.rmtree(self.valkey.instance_dir, ignore_errors=True)

    def settings(self) -> Settings:
        """The platform's settings for this run (API, resolver and the benchmark itself)."""
        o = self.options
        settings = Settings(
            env="test",
            workspace=o.workspace,
            data_dir=self.data_dir,
            neo4j_uri=self.neo4j_uri,
            redis_url=self.redis_url,
            stream_bound=o.stream_bound,
            log_level="WARNING",
            identity_rules_file=(REPO / self.base.identity_rules_file).resolve(),
            outbound_allowed_networks=list(o.outbound_allowed_networks),
        )
        if o.resolver_batch_entries is not None:
            settings = settings.model_copy(
                update={"resolver_batch_entries": o.resolver_batch_entries}
            )
        return settings

    def pids(self) -> dict[str, int | None]:
        return {
            "neo4j": self.neo4j.process.pid() if self.neo4j else None,
            "valkey": self.valkey.process.pid() if self.valkey else None,
        }

    def store_dir(self) -> Path | None:
        return self.neo4j.instance_dir / "data" if self.neo4j else None


class Child:
    """A platform process started by the benchmark, with its output in a log file."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log: Path) -> None:
        self.name = name
        self.log = log
        log.parent.mkdir(parents=True, exist_ok=True)
        self._out: IO[bytes] = log.open("ab")
        self.proc = subprocess.Popen(
            argv,
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._out,
            stderr=subprocess.STDOUT,
        )
        self.paused = False

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc.poll() is None else None

    def check(self) -> None:
        if self.proc.poll() is not None:
            tail = self.log.read_text(errors="replace").splitlines()[-20:]
            raise RuntimeError(f"{self.name} exited ({self.proc.returncode}):\n" + "\n".join(tail))

    def pause(self) -> None:
        self.check()
        self.proc.send_signal(signal.SIGSTOP)
        self.paused = True

    def resume(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
        self.paused = False

    def stop(self, timeout: float = 20.0) -> None:
        if self.proc.poll() is None:
            self.resume()
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        with contextlib.suppress(OSError):
            self._out.close()


class Children:
    """The processes that consume the stream, paused, resumed, checked and stopped together:
    the worker (or a resolver alone) and the `cdp resolver` processes started beside it."""

    def __init__(self, first: Child, *beside: Child) -> None:
        self.first = first
        self.all = (first, *beside)

    @property
    def name(self) -> str:
        return self.first.name

    @property
    def log(self) -> Path:
        return self.first.log

    @property
    def pid(self) -> int | None:
        return self.first.pid

    def pids(self) -> dict[str, int | None]:
        """The processes beside the first, by name (the memory and CPU monitor's)."""
        return {child.name: child.pid for child in self.all[1:]}

    def check(self) -> None:
        for child in self.all:
            child.check()

    def pause(self) -> None:
        for child in self.all:
            child.pause()

    def resume(self) -> None:
        for child in self.all:
            child.resume()

    def stop(self, timeout: float = 20.0) -> None:
        for child in self.all:
            child.stop(timeout)


def start_api(settings: Settings, port: int, workers: int, logs: Path) -> Child:
    """`cdp api` (one process), or uvicorn with several worker processes sharing the port."""
    if workers <= 1:
        argv = [sys.executable, "-m", "app.entrypoints.cli", "api"]
        argv += ["--host", "127.0.0.1", "--port", str(port)]
    else:
        argv = [sys.executable, "-m", "uvicorn", "app.entrypoints.api:create_app", "--factory"]
        argv += ["--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
        argv += ["--no-access-log", "--log-level", "warning"]
    return Child("API", argv, platform_env(settings), logs / "api.log")


def wait_ready(child: Child, base_url: str, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        child.check()
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base_url}/readyz", timeout=2.0).status_code == 200:
                return
        time.sleep(0.3)
    raise RuntimeError(f"the API did not become ready within {timeout:.0f}s (log: {child.log})")


def platform_env(settings: Settings) -> dict[str, str]:
    """A platform process's environment: the run's settings, with the outbound guard's allowed
    networks (journeys and destinations are saved by the API and called by the worker)."""
    return child_env(
        settings,
        CDP_OUTBOUND_ALLOWED_NETWORKS=json.dumps(settings.outbound_allowed_networks),
        CDP_RESOLVER_NAME=settings.resolver_name,
    )


def start_resolver(settings: Settings, name: str, logs: Path, label: str = "resolver") -> Child:
    """A resolver on its own (`cdp resolver`): the `--resolver-only` configuration, or one
    more resolver beside the worker (`--resolvers N`)."""
    argv = [sys.executable, "-m", "app.entrypoints.cli", "resolver", "--name", name]
    return Child(label, argv, platform_env(settings), logs / f"{label}.log")


def start_worker(settings: Settings, logs: Path) -> Child:
    """`cdp worker`, as `make run` starts it: its resolver consumes the stream under the name
    `settings.resolver_name`, beside the change-feed consumer and destination delivery."""
    argv = [sys.executable, "-m", "app.entrypoints.cli", "worker"]
    return Child("worker", argv, platform_env(settings), logs / "worker.log")
