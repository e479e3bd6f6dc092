"""`cdp run`'s supervisor: child processes started again when they exit unexpectedly.

A child that exits while the supervisor runs (a crash, `kill -9`, the kernel's out-of-memory
killer) is started again after a delay that doubles from one second up to half a minute. A
child that has to be started again more than `max_restarts` times within `window` seconds is
crash-looping (a port taken, a bad setting, a server that never comes back): then everything
stops, with exit code 1. Every exit and every restart is printed. `request_stop()` (Ctrl-C,
SIGTERM) stops all children: SIGTERM, then SIGKILL after `stop_timeout` seconds.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class ChildSpec:
    """How to start one child; `output` None leaves it the supervisor's terminal."""

    name: str
    argv: Sequence[str]
    env: Mapping[str, str] | None = None
    cwd: Path | None = None
    output: Path | None = None


@dataclass
class _Child:
    spec: ChildSpec
    process: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    restart_at: float | None = None
    #: When it was started again, within the last window.
    recent: deque[float] = field(default_factory=deque)
    restarts: int = 0


def describe_exit(code: int) -> str:
    """`with code 3` or `on SIGKILL`."""
    if code < 0:
        try:
            return f"on {signal.Signals(-code).name}"
        except ValueError:
            return f"on signal {-code}"
    return f"with code {code}"


class Supervisor:
    def __init__(
        self,
        children: Sequence[ChildSpec],
        *,
        max_restarts: int = 5,
        window: float = 60.0,
        first_delay: float = 1.0,
        max_delay: float = 30.0,
        stop_timeout: float = 20.0,
        say: Callable[[str], None] = print,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._children = [_Child(spec) for spec in children]
        self.max_restarts = max_restarts
        self.window = window
        self.first_delay = first_delay
        self.max_delay = max_delay
        self.stop_timeout = stop_timeout
        self.say = say
        self.clock = clock
        self._stopping = False

    def request_stop(self) -> None:
        """Stop every child and return from `run()` (safe in a signal handler)."""
        self._stopping = True

    def pid(self, name: str) -> int | None:
        """The pid of a running child, or None while it is down."""
        child = self._child(name)
        if child.process is None or child.process.poll() is not None:
            return None
        return child.process.pid

    def restarts(self, name: str) -> int:
        """How many times a child was started again."""
        return self._child(name).restarts

    def run(self, poll: float = 0.5) -> int:
        """Start the children and watch them until asked to stop (0) or one crash-loops (1)."""
        try:
            for child in self._children:
                self._start(child)
            while not self._stopping:
                time.sleep(poll)
                if not self._stopping and not self.watch():
                    return 1
            return 0
        finally:
            self._stop_all()

    def watch(self) -> bool:
        """One round: note exits, start again what is due. False when a child crash-loops."""
        now = self.clock()
        for child in self._children:
            name = child.spec.name
            if child.process is not None:
                code = child.process.poll()
                if code is None:
                    continue
                ran = now - child.started
                child.process = None
                while child.recent and now - child.recent[0] > self.window:
                    child.recent.popleft()
                if len(child.recent) >= self.max_restarts:
                    self.say(
                        f"{name} exited {describe_exit(code)} after {ran:.1f} s, and was"
                        f" started again {len(child.recent)} times within {self.window:.0f} s"
                        " already: giving up and stopping everything"
                    )
                    return False
                delay = min(self.first_delay * 2 ** len(child.recent), self.max_delay)
                child.restart_at = now + delay
                self.say(
                    f"{name} exited {describe_exit(code)} after {ran:.1f} s; starting it again"
                    f" in {delay:g} s (restart {len(child.recent) + 1} of at most"
                    f" {self.max_restarts} within {self.window:.0f} s)"
                )
            elif child.restart_at is not None and now >= child.restart_at:
                child.restart_at = None
                child.recent.append(now)
                child.restarts += 1
                self._start(child)
                assert child.process is not None
                self.say(f"{name} started again (pid {child.process.pid})")
        return True

    def _child(self, name: str) -> _Child:
        for child in self._children:
            if child.spec.name == name:
                return child
        raise KeyError(name)

    def _start(self, child: _Child) -> None:
        spec = child.spec
        env = dict(spec.env) if spec.env is not None else None
        if spec.output is None:
            child.process = subprocess.Popen(list(spec.argv), env=env, cwd=spec.cwd)
        else:
            with spec.output.open("ab") as out:  # the child keeps its own descriptor
                child.process = subprocess.Popen(
                    list(spec.argv),
                    env=env,
                    cwd=spec.cwd,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
        child.started = self.clock()

    def _stop_all(self) -> None:
        running = [c.process for c in self._children if c.process is not None]
        names = [c.spec.name for c in self._children if c.process is not None]
        if names:
            self.say(f"stopping {', '.join(names)}...")
        for process in running:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for child in self._children:
            child.process = None
            child.restart_at = None
