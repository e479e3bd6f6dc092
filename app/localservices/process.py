"""Start, watch and stop a background server process with a pid file and a log file."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from app.errors import LocalServiceError

# Popen handles of the servers this process started, so they are reaped, not leaked.
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


@dataclass(frozen=True)
class ManagedProcess:
    """A server process we started, found again through its pid file."""

    name: str
    pid_file: Path
    log_file: Path

    def pid(self) -> int | None:
        """The live pid from the pid file, or None (a stale file is removed)."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        if not _alive(pid):
            self.pid_file.unlink(missing_ok=True)
            return None
        return pid

    def start(self, argv: Sequence[str], *, cwd: Path, env: dict[str, str] | None = None) -> int:
        """Launch detached (own session) so Ctrl-C in a terminal reaches us, not it."""
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self.pid_file.parent.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as log:
            proc = subprocess.Popen(
                list(argv),
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.pid_file.write_text(str(proc.pid))
        _CHILDREN[proc.pid] = proc
        return proc.pid

    def stop(self, timeout: float = 60.0) -> bool:
        """SIGTERM, wait for a clean shutdown, SIGKILL after the timeout. True if it was running."""
        pid = self.pid()
        if pid is None:
            return False
        _signal(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not _alive(pid):
                break
            time.sleep(0.2)
        else:
            _signal(pid, signal.SIGKILL)
            while _alive(pid):
                time.sleep(0.1)
        child = _CHILDREN.pop(pid, None)
        if child is not None:
            child.wait()
        self.pid_file.unlink(missing_ok=True)
        return True

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"


def _signal(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


def _alive(pid: int) -> bool:
    """True while the process exists and is not a zombie."""
    with contextlib.suppress(ChildProcessError):
        reaped, _ = os.waitpid(pid, os.WNOHANG)
        if reaped == pid:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True  # no /proc (macOS): trust kill(0)
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_for_port(proc: ManagedProcess, pid: int, host: str, port: int, timeout: float) -> None:
    """Block until the port accepts connections; fail fast if the process dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_open(host, port):
            return
        if not _alive(pid):
            raise LocalServiceError(
                f"{proc.name} exited during start-up; last log lines:\n{proc.log_tail()}"
            )
        time.sleep(0.25)
    raise LocalServiceError(
        f"{proc.name} did not open {host}:{port} within {timeout:.0f}s; "
        f"log: {proc.log_file}\n{proc.log_tail()}"
    )


def wait_until_ready(
    proc: ManagedProcess, pid: int, ready: Callable[[], bool], timeout: float, what: str
) -> None:
    """Block until `ready()` says the service answers (after its port opened: a server may
    accept connections before it serves); fail fast if the process dies."""
    deadline = time.monotonic() + timeout
    while not ready():
        if not _alive(pid):
            raise LocalServiceError(
                f"{proc.name} exited during start-up; last log lines:\n{proc.log_tail()}"
            )
        if time.monotonic() > deadline:
            raise LocalServiceError(
                f"{proc.name} did not {what} within {timeout:.0f}s; log: {proc.log_file}"
            )
        time.sleep(0.25)
