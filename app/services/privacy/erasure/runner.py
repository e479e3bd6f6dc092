"""Carrying an erasure request to its end: one runner at a time under a renewed lease, the
steps in order, each skipped when the request records it done, so a runner that dies half-way
is replaced by another that carries on from the next step."""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence

from app.errors import NotFound
from app.ports.erasure import ErasureRecord, ErasureRecordStore
from app.services.privacy.erasure.records import ErasurePlan, ErasureStatus, LeaseHeld
from app.services.privacy.erasure.steps import ErasureJob, Step

log = logging.getLogger(__name__)

#: Plans and suppresses a request's subject (request id, profile id) before the first step.
Start = Callable[[str, str], Awaitable[ErasurePlan]]
#: Turns a request whose steps are all done into its receipt.
Complete = Callable[[str], Awaitable[None]]


class ErasureRunner:
    def __init__(
        self,
        records: ErasureRecordStore,
        steps: Sequence[tuple[str, Step]],
        start: Start,
        complete: Complete,
        lease_seconds: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.records = records
        self.steps = list(steps)
        self.start = start
        self.complete = complete
        self.lease_seconds = lease_seconds
        self.clock = clock
        self.process = f"{socket.gethostname()}:{os.getpid()}"

    async def status(self, request_id: str) -> ErasureStatus | None:
        record = await self.records.get(request_id)
        return ErasureStatus.of_record(record) if record is not None else None

    async def _lease(self, request_id: str, runner: str) -> ErasureRecord | None:
        now = self.clock()
        return await self.records.lease(request_id, runner, now, now + self.lease_seconds)

    async def run(self, request_id: str) -> ErasureStatus:
        """Carry an erasure to its end from wherever it stopped. Raises LeaseHeld while another
        runner holds it, NotFound for an unknown id."""
        # Each run is its own runner, even two in one process.
        runner = f"{self.process}:{uuid.uuid4().hex[:12]}"
        request = await self._lease(request_id, runner)
        if request is None:
            current = await self.status(request_id)
            if current is None:
                raise NotFound("no erasure request with that id")
            if current.status in ("completed", "failed"):
                return current
            raise LeaseHeld(request_id)
        try:
            await self._run_steps(request_id, runner, request)
        except LeaseHeld:
            raise
        except Exception as exc:
            log.exception("erasure step failed", extra={"erasure": request_id})
            await self.records.fail(request_id, type(exc).__name__, self.clock())
            raise
        final = await self.status(request_id)
        assert final is not None
        return final

    async def _run_steps(self, request_id: str, runner: str, request: ErasureRecord) -> None:
        if request.plan is not None:
            plan = ErasurePlan.of_request(request.plan)
        else:
            plan = await self.start(request_id, str(request.profile_id))

        async def renew() -> None:
            if await self._lease(request_id, runner) is None:
                raise LeaseHeld(request_id)

        async def mark(step: str, counts: Mapping[str, int]) -> None:
            await self.records.mark_step(request_id, step, counts)

        job = ErasureJob(request_id, plan, renew, mark)
        done = set(request.steps)
        for name, step in self.steps:
            if name not in done:
                await step(job)
        await self.complete(request_id)
