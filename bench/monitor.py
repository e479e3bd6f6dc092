"""Peak memory and CPU time of the benchmark's processes (psutil, sampled in a thread), and
store size."""

from __future__ import annotations

import contextlib
import os
import re
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import psutil

SAMPLE_SECONDS = 0.5
#: The name the benchmark's own process is sampled under.
BENCHMARK = "benchmark"


def tree_rss(pid: int) -> int:
    """Resident memory of a process and its children (uvicorn workers), in bytes."""
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            total += proc.memory_info().rss
    return total


def tree_cpu(pid: int, children: bool = True) -> float:
    """CPU seconds (user and system) used so far by a process and (unless told otherwise)
    its children."""
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)] if children else [root]
    except psutil.Error:
        return 0.0
    total = 0.0
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            times = proc.cpu_times()
            total += times.user + times.system
    return total


class MemoryMonitor:
    """Samples the RSS of named processes every half second; keeps the peak per name, and
    the CPU seconds each used per phase (which process the cores went to).

    `pids` is asked again at every sample, so processes that start later (or restart) are
    followed. Peaks are kept for the whole run and per phase (`phase(name)` switches).
    """

    def __init__(self, pids: Callable[[], dict[str, int | None]]) -> None:
        self._pids = pids
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="bench-memory", daemon=True)
        self.peak: dict[str, int] = {}
        self.by_phase: dict[str, dict[str, int]] = {}
        self.cpu_by_phase: dict[str, dict[str, float]] = {}
        self._cpu_seen: dict[str, tuple[int, float]] = {}  # name -> (pid, CPU seconds)
        self._phase = "start"

    def phase(self, name: str) -> None:
        with self._lock:
            self._phase = name

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def now(self) -> dict[str, int]:
        """Each running process's resident memory at this moment (its tree), in bytes."""
        return {name: tree_rss(pid) for name, pid in self._pids().items() if pid is not None}

    def sample(self) -> None:
        # The benchmark's own process (load generation, probes) without its children: they
        # are the processes it measures, each sampled under its own name.
        pids = {**self._pids(), BENCHMARK: os.getpid()}
        for name, pid in pids.items():
            if pid is None:
                continue
            own = name == BENCHMARK
            rss = psutil.Process(pid).memory_info().rss if own else tree_rss(pid)
            cpu = tree_cpu(pid, children=not own)
            with self._lock:
                self.peak[name] = max(self.peak.get(name, 0), rss)
                phase = self.by_phase.setdefault(self._phase, {})
                phase[name] = max(phase.get(name, 0), rss)
                seen_pid, seen = self._cpu_seen.get(name, (pid, 0.0))
                used = cpu - seen if seen_pid == pid else cpu  # a restarted process starts at 0
                self._cpu_seen[name] = (pid, cpu)
                spent = self.cpu_by_phase.setdefault(self._phase, {})
                spent[name] = round(spent.get(name, 0.0) + max(used, 0.0), 2)

    def _loop(self) -> None:
        while not self._stop.wait(SAMPLE_SECONDS):
            self.sample()


def directory_size(path: Path) -> int:
    """Bytes allocated on disk to the files under `path`, as `du` counts them."""
    total = 0
    if not path.exists():
        return 0
    for item in path.rglob("*"):
        with contextlib.suppress(OSError):
            if item.is_file() and not item.is_symlink():
                total += item.stat().st_blocks * 512
    return total


def store_sizes(data_dir: Path) -> dict[str, int]:
    """Neo4j's data folder on disk: the total and each part (databases, transactions).

    Transaction logs are pruned only at checkpoints, so while the server runs they can be a
    large share of the total.
    """
    sizes = {"total": directory_size(data_dir)}
    if data_dir.is_dir():
        for part in sorted(data_dir.iterdir()):
            if part.is_dir():
                sizes[part.name] = directory_size(part)
    return sizes


_GC_PAUSE = re.compile(r"^\[(\S+?)\]\[[0-9.]+s\] GC\(\d+\) Pause .* ([0-9.]+)ms$")


def gc_pauses(gc_log: Path, phases: list[tuple[str, float]]) -> dict[str, dict[str, float]]:
    """Neo4j's stop-the-world pauses (its `-Xlog:gc` file) per benchmark phase: count, total
    and longest, in ms. `phases` are (name, wall-clock start) in order."""
    out: dict[str, dict[str, float]] = {}
    if not gc_log.is_file() or not phases:
        return out
    for line in gc_log.read_text(encoding="utf-8", errors="replace").splitlines():
        match = _GC_PAUSE.match(line.strip())
        if match is None:
            continue
        at = datetime.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()
        name = next((n for n, start in reversed(phases) if at >= start), None)
        if name is None:
            continue
        ms = float(match.group(2))
        entry = out.setdefault(name, {"pauses": 0, "total_ms": 0.0, "max_ms": 0.0})
        entry["pauses"] += 1
        entry["total_ms"] = round(entry["total_ms"] + ms, 1)
        entry["max_ms"] = max(entry["max_ms"], ms)
    return out
