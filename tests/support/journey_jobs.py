"""Stands in for arq in journey tests: remembers the jobs the runner queues (batches of runs)
and runs those that are due on a clock the test moves."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

Due = tuple[str, int]  # (run id, seq)


class JourneyJobs:
    def __init__(self, now: float) -> None:
        self.now = now
        #: Queued jobs in the order they were queued: (due time, runs).
        self.jobs: list[tuple[float, list[Due]]] = []
        #: Runs one job (the service's `step_many`), set once the service exists.
        self.runner: Callable[[Sequence[Due]], Awaitable[dict[str, str]]] | None = None

    async def enqueue(self, runs: Sequence[Due], defer: float) -> None:
        self.jobs.append((self.now + defer, list(runs)))

    @property
    def runs(self) -> list[Due]:
        """Every run of every queued job, in order."""
        return [run for _, runs in self.jobs for run in runs]

    async def drain(self) -> list[str]:
        """Run every job that is due, earliest first, as the worker would; what became of each
        run, in the order of the jobs and of the runs in them."""
        assert self.runner is not None
        results: list[str] = []
        while due := [j for j in self.jobs if j[0] <= self.now]:
            job = min(due, key=lambda j: j[0])
            self.jobs.remove(job)
            done = await self.runner(job[1])
            results.extend(done[run_id] for run_id in dict.fromkeys(r for r, _ in job[1]))
        return results
