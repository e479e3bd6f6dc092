"""Acting on a profile for a purpose, only with consent, and recording what happened.

Journey steps do not call a webhook or send a profile anywhere directly: they go through
`ConsentGate.attempt_many` (a round of steps at once), which asks
`ConsentService`, runs the action only when allowed, and records an `:ActionRecord` on the
profile with the outcome (`taken`, `skipped` or `failed`) and the consent verdict's reason. The
record names the action and the purpose, never personal data.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.domain.consent import ConsentError, Verdict
from app.errors import InvalidInput, NotFound
from app.ports.actions import ActionRecord, ActionRecordStore
from app.services.privacy.consent import ConsentService
from app.supervision import BACKING_SERVICE_DOWN

__all__ = ["ActionRecord", "Attempt", "ConsentGate"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Attempt:
    """An action to take on a profile for a purpose: `run` acts and returns details for the
    record (ids and counts, no personal data)."""

    profile_id: str
    purpose: str
    action: str
    run: Callable[[], Awaitable[Mapping[str, Any] | None]]


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

    async def attempt_many(
        self, attempts: Sequence[Attempt], gate: asyncio.Semaphore | None = None
    ) -> list[ActionRecord | Exception]:
        """Run each attempt's action if its profile may be used for its purpose now, and record
        the outcome either way, for a batch (a round of journey steps): consent asked once per
        purpose for every profile, the allowed actions run a few at a time
        (`gate`: eight unless the caller shares its own), and every outcome recorded in one
        write. Per attempt, in order: its record; or the exception its action raised (recorded
        as `failed`); or, recording nothing, the `InvalidInput` of a purpose the policy does
        not know, `NotFound` for a profile the workspace does not have, the error that kept
        consent from being read (the action not taken), or that of a backing service down
        when the records were written (the action taken; a record that fails otherwise is
        logged and its outcome stands)."""
        verdicts = await self._verdicts(attempts)
        gate = gate or asyncio.Semaphore(8)

        async def act(attempt: Attempt) -> dict[str, Any] | Exception:
            async with gate:
                try:
                    return dict(await attempt.run() or {})
                except Exception as exc:
                    return exc

        allowed = [i for i, v in verdicts.items() if isinstance(v, Verdict) and v.allowed]
        ran = await asyncio.gather(*(act(attempts[i]) for i in allowed))
        details = dict(zip(allowed, ran, strict=True))
        records = {
            i: self._record(attempts[i], verdict, details.get(i))
            for i, verdict in verdicts.items()
            if isinstance(verdict, Verdict)
        }
        written = await self._write(attempts, records)
        results: list[ActionRecord | Exception] = []
        for i, verdict in sorted(verdicts.items()):
            done = details.get(i)
            if isinstance(verdict, Exception):
                results.append(verdict)
            elif isinstance(written, Exception):
                results.append(written)
            elif records[i].id not in written:
                results.append(NotFound("no profile with that id in this workspace"))
            elif isinstance(done, Exception):
                results.append(done)
            else:
                results.append(records[i])
        return results

    async def _verdicts(self, attempts: Sequence[Attempt]) -> dict[int, Verdict | Exception]:
        """Each attempt's consent verdict, read once per purpose; an unknown purpose or a read
        that failed stands in for the verdicts it kept from being read."""
        verdicts: dict[int, Verdict | Exception] = {}
        for purpose in sorted({a.purpose for a in attempts}):
            chosen = [i for i, a in enumerate(attempts) if a.purpose == purpose]
            try:
                found = await self.consent.may_use_many(
                    sorted({attempts[i].profile_id for i in chosen}), purpose
                )
            except ConsentError as exc:
                verdicts.update(dict.fromkeys(chosen, InvalidInput(str(exc))))
                continue
            except Exception as exc:  # Neo4j unreachable, say: these actions wait
                verdicts.update(dict.fromkeys(chosen, exc))
                continue
            verdicts.update((i, found[attempts[i].profile_id]) for i in chosen)
        return verdicts

    def _record(
        self, attempt: Attempt, verdict: Verdict, done: dict[str, Any] | Exception | None
    ) -> ActionRecord:
        """What an attempt did, as its record says it: skipped without consent, failed
        naming the error its action raised, or taken with the action's details."""
        detail: dict[str, Any] = {}
        if not verdict.allowed:
            outcome, reason = "skipped", verdict.reason
        elif isinstance(done, Exception):
            outcome, reason = "failed", type(done).__name__
        else:
            outcome, reason, detail = "taken", verdict.reason, done or {}
        return ActionRecord(
            str(uuid.uuid4()),
            attempt.action,
            verdict.purpose,
            outcome,
            reason,
            self.clock(),
            detail,
        )

    async def _write(
        self, attempts: Sequence[Attempt], records: dict[int, ActionRecord]
    ) -> set[str] | Exception:
        """Write the records in one transaction: the ids written, or the error of a backing
        service down (the caller tries again later; the actions carry their keys). A write
        that fails otherwise is logged, and the outcomes stand: the actions were taken or
        skipped all the same."""
        try:
            return await self.store.record_many(
                [(attempts[i].profile_id, r) for i, r in records.items()]
            )
        except BACKING_SERVICE_DOWN as exc:
            return exc
        except Exception as exc:
            log.error("action records not written: %s", type(exc).__name__)
            return {r.id for r in records.values()}

    async def history(self, profile_id: str, limit: int = 100) -> list[ActionRecord]:
        return await self.store.history(profile_id, limit)
