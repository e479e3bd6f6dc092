"""An arq worker that survives a restart of Valkey.

arq's main loop polls Valkey and lets any error of that poll escape: a Valkey restart ends
`Worker.main()`, and with it the process, the resolver and the segment feed it hosts. Worse,
a poll that fails half-way through starting a job keeps that job's slot: after `max_jobs`
such failures the worker would take no job again. This worker

- waits, with a bounded back-off, when a poll meets Valkey down, and polls on once it answers;
- gives a job's slot back when Valkey failed before the job was started;
- records a job's end (result, retry, queue) once Valkey answers again instead of dropping
  it; a job whose start could not be read is handed back to the queue (jobs are idempotent);
- shuts down cleanly even while Valkey is down.

Jobs that meet Neo4j or Valkey down are re-run later by `retry_when_down` (workers/settings.py).
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from typing import Any

from arq.constants import in_progress_key_prefix
from arq.worker import Worker

from app.supervision import VALKEY_DOWN, Backoff

log = logging.getLogger(__name__)


class SupervisedWorker(Worker):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._backoff = Backoff(0.5, 10.0)
        self._waiting = False
        self._closing = False

    async def _poll_iteration(self) -> None:
        try:
            await super()._poll_iteration()
        except VALKEY_DOWN as exc:
            delay = self._backoff.next()
            self._waiting = True
            log.warning(
                "worker waits for Valkey (%s); polling again in %.1f s", type(exc).__name__, delay
            )
            await asyncio.sleep(delay)
        else:
            if self._waiting:
                log.info("worker polls Valkey again")
                self._waiting = False
            self._backoff.reset()

    async def start_jobs(self, job_ids: list[bytes]) -> None:
        """arq's own, one job at a time: a job whose start failed on Valkey has taken a slot
        (the semaphore and the counter) and started nothing, so the slot is given back."""
        for job_id in job_ids:
            if self.job_counter >= self.max_jobs:
                return
            try:
                await super().start_jobs([job_id])
            except VALKEY_DOWN:
                self._release_sem_dec_counter_on_complete()
                raise

    async def run_job(self, job_id: str, score: int) -> None:
        try:
            await super().run_job(job_id, score)
        except VALKEY_DOWN as exc:
            # The job's definition could not be read (so it did not run): release its lock
            # so that it is picked again, instead of in an hour when the lock expires.
            log.warning("a job could not start: Valkey did not answer (%s)", type(exc).__name__)
            await self._once_valkey_answers(
                lambda: self.pool.delete(in_progress_key_prefix + job_id), "release a job"
            )

    async def finish_job(
        self,
        job_id: str,
        finish: bool,
        result_data: bytes | None,
        result_timeout_s: float | None,
        keep_result_forever: bool,
        incr_score: int | None,
        keep_in_progress: float | None,
    ) -> None:
        parent = super().finish_job

        async def record() -> None:
            await parent(
                job_id,
                finish,
                result_data,
                result_timeout_s,
                keep_result_forever,
                incr_score,
                keep_in_progress,
            )

        await self._once_valkey_answers(record, "record a job's end")

    async def finish_failed_job(self, job_id: str, result_data: bytes | None) -> None:
        parent = super().finish_failed_job

        async def record() -> None:
            await parent(job_id, result_data)

        await self._once_valkey_answers(record, "record a job's failure")

    async def _once_valkey_answers(
        self, operation: Callable[[], Awaitable[Any]], what: str
    ) -> None:
        backoff = Backoff(0.5, 10.0)
        while True:
            try:
                await operation()
                return
            except VALKEY_DOWN as exc:
                if self._closing:
                    log.warning("worker stops without being able to %s", what)
                    return
                delay = backoff.next()
                log.warning(
                    "worker waits for Valkey to %s (%s); retrying in %.1f s",
                    what,
                    type(exc).__name__,
                    delay,
                )
                await asyncio.sleep(delay)

    async def close(self) -> None:
        """arq's close, minus its failure when Valkey is down: the health key is left to
        expire, and the background loops and the container are closed all the same."""
        self._closing = True
        if not self._handle_signals:
            self.handle_sig(signal.SIGUSR1)
        if not self._pool:
            return
        await asyncio.gather(*self.tasks.values(), return_exceptions=True)
        try:
            await self.pool.delete(self.health_check_key)
        except VALKEY_DOWN as exc:
            log.warning("worker stops while Valkey does not answer (%s)", type(exc).__name__)
        if self.on_shutdown:
            await self.on_shutdown(self.ctx)
        await self.pool.aclose(close_connection_pool=True)
        self._pool = None
