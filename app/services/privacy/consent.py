"""Consent as a graph: recording decisions, their history, and "may we use this profile for P?".

Decisions arrive through `set_consent` (an operator or a frontend), through Segment's consent
context on any tracked message, and through Segment's consent event; the last two are recorded
by ingestion in its own transaction (`consent_rows`). Every consumer of personal data that
needs consent (journeys, destinations) asks `may_use` and records the verdict it got.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from app.domain.consent import (
    CONSENT_EVENT,
    ConsentError,
    ConsentPolicy,
    Decision,
    Verdict,
    effective,
    preferences,
    purpose_name,
)
from app.domain.messages import TrackedMessage
from app.errors import InvalidInput, NotFound
from app.ports.consent import ConsentStore, PurposeSpec, PurposeView
from app.ports.identity import IdentityGraphPort, IdentityTx
from app.ports.identity_rows import ConsentRow
from app.services.changes.notices import ProfileNotice, ProfileNotifier
from app.services.identity.curation import CurationService
from app.services.privacy.audit import AuditLog

#: The source recorded for decisions made through the API.
MANUAL = "manual"


def message_consent_rows(
    message: TrackedMessage, owner: str, event: str, policy: ConsentPolicy, recorded_at: float
) -> tuple[list[ConsentRow], list[str]]:
    """The consent decisions a tracked message carries, and flags for what was unusable."""
    found, flags = preferences(message.context)
    explicit = message.type == "track" and message.event == CONSENT_EVENT
    rows: dict[str, ConsentRow] = {}
    for category, granted in sorted(found.items()):
        try:
            purpose = policy.resolve(category)
        except ConsentError:
            flags.append("consent_invalid")
            continue
        rows[purpose] = ConsentRow(
            id=f"{event}:{purpose}",
            owner=owner,
            purpose=purpose,
            granted=granted,
            at=message.timestamp,
            source=message.source_id,
            expires_at=None,
            event=event,
            explicit=explicit,
            recorded_at=recorded_at,
        )
    return list(rows.values()), sorted(set(flags))


def only_changes(rows: list[ConsentRow]) -> list[ConsentRow]:
    """Within one batch, keep a repeated (owner, purpose) decision only where it changes."""
    kept: list[ConsentRow] = []
    last: dict[tuple[str, str], bool] = {}
    for row in sorted(rows, key=lambda r: (r["owner"], r["purpose"], r["at"], r["id"])):
        slot = (row["owner"], row["purpose"])
        if row["explicit"] or last.get(slot) != row["granted"]:
            kept.append(row)
        last[slot] = row["granted"]
    return kept


class ConsentService:
    def __init__(
        self,
        graph: IdentityGraphPort,
        store: ConsentStore,
        curation: CurationService,
        policy: ConsentPolicy,
        audit: AuditLog,
        notifier: ProfileNotifier | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.graph = graph
        self.store = store
        self.curation = curation
        self.policy = policy
        self.audit = audit
        self.notifier = notifier
        self.clock = clock

    async def ensure_purposes(self) -> None:
        """Write the configured purposes as nodes (at start-up, beside the schema)."""
        specs = [
            PurposeSpec(p.name, p.description, p.default_granted, configured=True)
            for p in self.policy.purposes
        ]
        await self.store.save_purposes(specs, self.clock())

    async def purposes(self) -> list[PurposeView]:
        return await self.store.purposes()

    async def add_purpose(
        self, name: str, description: str, default_granted: bool, by: str
    ) -> PurposeView:
        try:
            purpose = purpose_name(name)
        except ConsentError as exc:
            raise InvalidInput(str(exc)) from None
        spec = PurposeSpec(purpose, description[:500], default_granted, configured=False)
        await self.store.save_purposes([spec], self.clock())
        await self.audit.record(by, "purpose.set", purpose, {"default_granted": default_granted})
        return next(p for p in await self.purposes() if p.name == purpose)

    async def defaults(self) -> dict[str, bool]:
        """Each purpose and whether it is granted when nobody decided."""
        return await self.store.defaults()

    async def set_consent(
        self,
        *,
        profile_id: str | None,
        identifier: tuple[str, str] | None,
        purpose: str,
        granted: bool,
        expires_at: float | None,
        source: str | None,
        by: str,
    ) -> tuple[str, Decision]:
        """Record an explicit decision on an identifier (or a profile's oldest identifier);
        returns the active profile id and the decision."""
        try:
            name = self.policy.resolve(purpose)
        except ConsentError as exc:
            raise InvalidInput(str(exc)) from None
        now = self.clock()
        if expires_at is not None and expires_at <= now:
            raise InvalidInput("expiresAt: must be in the future")
        if (profile_id is None) == (identifier is None):
            raise InvalidInput("give exactly one of profileId and identifier")
        decision_id = str(uuid.uuid4())

        async def work(tx: IdentityTx) -> tuple[str, str]:
            if identifier is not None:
                found = await self.curation._lookup(tx, self.curation.normalised(*identifier))
                if found is None or found["profile"] is None:
                    raise NotFound("no identifier of that type with that value in this workspace")
                owner, active = found["key"], found["profile"]
            else:
                assert profile_id is not None
                reps = await tx.profile_representatives([profile_id])
                if not reps or reps[0]["representative"] is None:
                    raise NotFound("no profile with that id in this workspace")
                owner, active = reps[0]["representative"], reps[0]["active"]
            row = ConsentRow(
                id=decision_id,
                owner=owner,
                purpose=name,
                granted=granted,
                at=now,
                source=source or MANUAL,
                expires_at=expires_at,
                event=f"manual:{by}",
                explicit=True,
                recorded_at=now,
            )
            await tx.record_consents([row])
            return active, owner

        active, _ = await self.graph.write(work)
        if self.notifier is not None:
            await self.notifier.publish([ProfileNotice(active, "consent")])
        await self.audit.record(by, "consent.set", active, {"purpose": name, "granted": granted})
        decision = Decision(decision_id, name, granted, now, source or MANUAL, expires_at)
        return active, decision

    async def history(self, profile_id: str) -> list[Decision]:
        return await self.store.decisions_of(profile_id)

    async def effective(self, profile_id: str, now: float | None = None) -> list[Verdict]:
        """The verdict for every purpose known to the workspace, and any other decided one."""
        at = self.clock() if now is None else now
        decisions = await self.history(profile_id)
        defaults = await self.defaults()
        names = sorted(set(defaults) | {d.purpose for d in decisions})
        return [effective(decisions, n, at, defaults.get(n, False)) for n in names]

    async def may_use_many(
        self, profile_ids: list[str], purpose: str, now: float | None = None
    ) -> dict[str, Verdict]:
        """`may_use` for several profiles in one query (destinations check whole batches)."""
        name = self.policy.resolve(purpose)
        at = self.clock() if now is None else now
        by_profile, stored = await self.store.verdict_inputs_of_many(profile_ids, name)
        default = self.policy.default_for(name) if stored is None else stored
        return {pid: effective(by_profile.get(pid, []), name, at, default) for pid in profile_ids}

    async def may_use(self, profile_id: str, purpose: str, now: float | None = None) -> Verdict:
        """The one answer to "may we use this profile for `purpose` now?", with its reason."""
        try:
            name = self.policy.resolve(purpose)
        except ConsentError as exc:
            raise InvalidInput(str(exc)) from None
        at = self.clock() if now is None else now
        decisions, stored = await self.store.verdict_inputs(profile_id, name)
        default = self.policy.default_for(name) if stored is None else bool(stored)
        return effective(decisions, name, at, default)
