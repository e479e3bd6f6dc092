"""Acting on a profile for a purpose, only with consent, and recording what happened.

Journeys and destinations do not call a webhook or send a profile anywhere directly: they go
through `ConsentGate.attempt`, which asks `ConsentService.may_use`, runs the action only when
allowed, and records an `:ActionRecord` on the profile with the outcome (`taken`, `skipped`
or `failed`) and the consent verdict's reason. The record names the action and the purpose,
never personal data.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from app.errors import NotFound
from app.ports.actions import ActionRecord, ActionRecordStore
from app.services.privacy.consent import ConsentService

__all__ = ["ActionRecord", "ConsentGate"]


class ConsentGate:
    def __init__(
        self,
        store: ActionRecordStore,
        consent: ConsentService,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.consent = consent
        self.clock = clock

    async def attempt(
        self,
        profile_id: str,
        purpose: str,
        action: str,
        run: Callable[[], Awaitable[Mapping[str, Any] | None]],
    ) -> ActionRecord:
        """Run `run` if the profile may be used for `purpose` now; record the outcome either
        way. `run` returns details for the record (ids and counts, no personal data)."""
        verdict = await self.consent.may_use(profile_id, purpose)
        detail: dict[str, Any] = {}
        if not verdict.allowed:
            outcome, reason = "skipped", verdict.reason
        else:
            try:
                detail = dict(await run() or {})
            except Exception as exc:
                await self._record(
                    profile_id, action, verdict.purpose, "failed", type(exc).__name__, {}
                )
                raise
            outcome, reason = "taken", verdict.reason
        return await self._record(profile_id, action, verdict.purpose, outcome, reason, detail)

    async def _record(
        self,
        profile_id: str,
        action: str,
        purpose: str,
        outcome: str,
        reason: str,
        detail: dict[str, Any],
    ) -> ActionRecord:
        record = ActionRecord(
            str(uuid.uuid4()), action, purpose, outcome, reason, self.clock(), detail
        )
        if not await self.store.record(profile_id, record):
            raise NotFound("no profile with that id in this workspace")
        return record

    async def history(self, profile_id: str, limit: int = 100) -> list[ActionRecord]:
        return await self.store.history(profile_id, limit)
