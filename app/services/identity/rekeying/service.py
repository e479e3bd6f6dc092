"""Blind-index rotation: re-key every identifier under the current kid while the platform runs.

An identifier's node key `ws:type:kid:hash` also names its data key and is bound into every
ciphertext sealed for it (its value, its events, its trait observations, whose keys contain
it). Re-keying one identifier therefore means: open its value under the old data key and
compute its key under the current kid; create the new key's data key; re-seal its events page
by page (`sealed_for` on an event names the key it is sealed for meanwhile); then, in one
transaction in the workspace's exclusive mode, re-seal what arrived since, re-key its observations
(personal values get their value id under the new kid), rename the node, turn round the
evidence edges whose direction follows key order, re-run resolution on its component and
re-decide its profile's golden record; after the commit, destroy the old data key.

A profile's old-kid identifiers are re-keyed together, so survivorship never compares values
hashed under two kids. Identifiers an unfinished erasure has planned to delete are left alone
(the erasure deletes them by the keys it recorded). An identifier whose value, an event or an
observation cannot be opened is set aside with the reason (`rekey_blocked`) and reported; the
rest carries on. Every step is idempotent, so a run that dies is resumed by the next one.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from app.domain.identity import IdentityRules
from app.ports.identity import IdentityGraphPort, IdentityTx
from app.ports.rekeying import (
    IdentifierRename,
    ObservationRekey,
    PendingIdentifier,
    RekeyStore,
    RenameState,
    ResealedEvent,
)
from app.privacy import PrivacyError
from app.services.identity.keys import IdentifierKey, Sealer
from app.services.identity.rekeying.resealing import Resealer, StepResult, Target
from app.services.identity.resolution import recluster
from app.services.privacy.audit import AuditLog
from app.services.profiles.traits import GoldenRecords

log = logging.getLogger(__name__)

#: Key-store owners read per page while sweeping old data keys.
SWEEP_PAGE = 2000


@dataclass
class RekeyProgress:
    """Counts of one rotation run (never a value)."""

    renamed: int = 0
    events: int = 0
    observations: int = 0
    blocked: int = 0
    held: int = 0
    vanished: int = 0
    profiles: int = 0
    old_keys_destroyed: int = 0
    #: Identifiers still under an old kid (those set aside included) after the last step
    #: (counted at the start and at the end, estimated in between).
    remaining: int = 0
    #: Of those, set aside because something of theirs could not be opened.
    set_aside: int = 0
    settled: bool = False

    def as_dict(self) -> dict[str, int]:
        return {k: int(v) for k, v in self.__dict__.items()}


class BlindIndexRotation:
    """Moves every identifier of a workspace to the current blind-index kid."""

    def __init__(
        self,
        graph: IdentityGraphPort,
        store: RekeyStore,
        sealer: Sealer,
        rules: IdentityRules,
        golden: GoldenRecords,
        clock: Callable[[], float] = time.time,
        *,
        audit: AuditLog | None = None,
        settled: Callable[[], None] | None = None,
    ) -> None:
        self.graph = graph
        self.store = store
        self.audit = audit
        #: Told when a run ends (ingestion reads the rotation state again).
        self.settled = settled
        self.sealer = sealer
        self.rules = rules
        self.golden = golden
        self.clock = clock
        self.resealer = Resealer(sealer)

    @property
    def current(self) -> str:
        return self.sealer.index.kid

    @property
    def old_kids(self) -> list[str]:
        return [k for k in self.sealer.index.kids if k != self.current]

    async def remaining(self) -> tuple[int, int]:
        """(identifiers under an old kid, of which set aside)."""
        return await self.store.remaining(self.old_kids)

    async def run(
        self,
        step: int = 100,
        event_page: int = 1000,
        report: Callable[[RekeyProgress], Awaitable[None]] | None = None,
        retry_set_aside: bool = False,
        by: str = "system",
    ) -> RekeyProgress:
        """Re-key identifiers `step` at a time (plus their profiles' other old-kid ones) until
        none is left; `report(progress)` after each step. Finishes by destroying old-kid data
        keys nothing refers to and, when no identifier is left behind, recording that the
        workspace is settled on the current kid; then audited as `by`'s."""
        if step < 1 or event_page < 1:
            raise ValueError("step and event_page must be at least 1")
        if retry_set_aside:
            await self.store.unblock()
        progress = RekeyProgress()
        # Counted once: a count walks the whole index, and nothing adds old-kid identifiers
        # during a run (new ones are created under the current kid).
        remaining, set_aside = await self.remaining() if self.old_kids else (0, 0)
        while self.old_kids:
            held = await self.store.held_keys()
            rows = await self.store.pending(self.old_kids, held, step)
            if not rows:
                break
            done = await self._step(rows, event_page)
            progress.renamed += len(done.renamed)
            progress.blocked += len(done.blocked)
            progress.held += done.held
            progress.vanished += done.vanished
            progress.events += done.events
            progress.observations += done.observations
            progress.profiles += done.profiles
            progress.old_keys_destroyed += await self._after(done)
            progress.remaining = max(0, remaining - progress.renamed - progress.vanished)
            progress.set_aside = set_aside + progress.blocked
            if report is not None:
                await report(progress)
        progress.remaining, progress.set_aside = await self.remaining()
        if progress.remaining == 0:
            # Nothing is keyed under an old kid any more: data keys of old-kid owners are
            # leftovers of interrupted runs, and ingestion may stop looking under old kids.
            progress.old_keys_destroyed += await self._sweep()
            await self.store.settle(self.current, self.clock())
            progress.settled = True
        if report is not None:
            await report(progress)
        if self.settled is not None:
            self.settled()
        if self.audit is not None:
            details = {**progress.as_dict(), "kid": self.current}
            await self.audit.record(by, "blind_index.rotated", None, details)
        return progress

    # -- one step ------------------------------------------------------------------------------

    async def _step(self, rows: list[PendingIdentifier], event_page: int) -> StepResult:
        done = StepResult()
        targets = await self._targets(rows, done)
        if targets:
            await self.sealer.data_keys([t.new.key for t in targets.values()], create=True)
            targets = await self._reseal_events(targets, event_page, done)
        if targets:
            done.add(await self.graph.write(lambda tx: self._rename(tx, targets)))
        if done.blocked:
            for reason, count in sorted(Counter(done.blocked.values()).items()):
                log.warning("blind-index rotation set %d identifier(s) aside: %s", count, reason)
            await self.store.block(done.blocked)
        return done

    async def _targets(self, rows: list[PendingIdentifier], done: StepResult) -> dict[str, Target]:
        """Open each value and compute its key under the current kid."""
        old_keys = await self.sealer.data_keys([r.key for r in rows], create=False)
        targets: dict[str, Target] = {}
        for row in rows:
            key = row.key
            old = IdentifierKey.parse(key)
            data_key = old_keys.get(key)
            if data_key is None:
                done.blocked[key] = "its data key is missing"
                continue
            try:
                value = str(self.sealer.open(data_key, row.enc, owner=key, field="value"))
            except PrivacyError:
                done.blocked[key] = "its value cannot be opened"
                continue
            type_ = row.type
            if old.kid not in self.sealer.index.kids or (
                self.sealer.key_under(old.kid, type_, value).key != key
            ):
                done.blocked[key] = "its value does not match its key"
                continue
            new = self.sealer.key_under(self.current, type_, value)
            targets[key] = Target(old, new, type_, value)
        return targets

    async def _reseal_events(
        self, targets: dict[str, Target], page: int, done: StepResult
    ) -> dict[str, Target]:
        """Re-seal the targets' events page by page, each page in the exclusive mode (so
        no erasure plans its keys between the read and the write)."""
        targets = dict(targets)
        while targets:
            rows = await self.store.events_to_reseal(
                {k: t.new.key for k, t in targets.items()}, page
            )
            if not rows:
                break
            keys = await self.resealer.keys_for(rows, targets.values())
            resealed, failed = self.resealer.reseal(rows, targets, keys)
            for key in failed:
                done.blocked[key] = "an event cannot be opened"
                targets.pop(key, None)

            async def write(tx: IdentityTx, resealed: list[ResealedEvent] = resealed) -> set[str]:
                await tx.lock_exclusive(self.clock())
                held = await self._held_in(tx, {r["identifier"] for r in resealed})
                rows = [r for r in resealed if r["identifier"] not in held]
                if rows:
                    await self.store.reseal_events(tx, rows)
                return held

            held = await self.graph.write(write)
            done.events += sum(1 for r in resealed if r["identifier"] not in held)
            for key in held:
                done.dropped.append(targets.pop(key))
                done.held += 1
        return targets

    async def _held_in(self, tx: IdentityTx, keys: set[str]) -> set[str]:
        return keys & await self.store.held_keys_in(tx)

    async def _rename(self, tx: IdentityTx, targets: dict[str, Target]) -> StepResult:
        """In the exclusive mode: re-seal what is left, re-key observations, rename, re-resolve."""
        now = self.clock()
        await tx.lock_exclusive(now)
        done = StepResult()
        held = await self._held_in(tx, set(targets))
        states = await self.store.rename_states(
            tx, {k: t.new.key for k, t in targets.items() if k not in held}
        )
        for key in held:
            done.dropped.append(targets[key])
        done.held += len(held)
        # Every data key this transaction needs, in one key-store read.
        keys = await self.resealer.keys_for(
            (e for state in states for e in state.events),
            (targets[state.key] for state in states),
        )
        moving, events, observations = self._sort(states, targets, keys, done)
        if not moving:
            return done
        if events:
            await self.store.reseal_events(tx, events)
        if observations:
            await self.store.rekey_observations(tx, observations)
        renamed = await self.store.rename_identifiers(
            tx,
            [
                IdentifierRename(
                    key=t.old.key,
                    new_key=t.new.key,
                    kid=t.new.kid,
                    hash=t.new.hash,
                    enc=self.sealer.seal(keys[t.new.key], t.value, owner=t.new.key, field="value"),
                )
                for t in moving
            ],
        )
        new_keys = sorted(t.new.key for t in moving)
        await self.store.orient_edges(tx, new_keys)
        # Ties in resolution's canonical order fall back on keys: decide the components again
        # under the new ones now, not on some later unrelated event.
        outcome = await recluster(tx, new_keys, self.rules, now, "rotation")
        profiles = renamed | outcome.redecide
        await self.golden.refresh(tx, profiles, now)
        done.renamed = moving
        done.events = len(events)
        done.observations = len(observations)
        done.profiles = len(profiles)
        return done

    def _sort(
        self,
        states: list[RenameState],
        targets: dict[str, Target],
        keys: dict[str, bytes],
        done: StepResult,
    ) -> tuple[list[Target], list[ResealedEvent], list[ObservationRekey]]:
        """The identifiers that move (with their events and observations re-sealed); the rest
        are noted in `done` (vanished, their new key taken, or something unopenable)."""
        moving: list[Target] = []
        events: list[ResealedEvent] = []
        observations: list[ObservationRekey] = []
        for state in states:
            target = targets[state.key]
            if not state.present:
                done.dropped.append(target)
                done.vanished += 1
                continue
            if state.taken:
                done.blocked[target.old.key] = "its new key is taken by another identifier"
                continue
            resealed, failed = self.resealer.reseal(state.events, {target.old.key: target}, keys)
            obs = self.resealer.rekey_observations(target, state.observations, keys)
            if failed or obs is None:
                done.blocked[target.old.key] = (
                    "an event cannot be opened" if failed else "an observation cannot be opened"
                )
                continue
            moving.append(target)
            events.extend(resealed)
            observations.extend(obs)
        return moving, events, observations

    # -- after a step ----------------------------------------------------------------------------

    async def _after(self, done: StepResult) -> int:
        """Destroy the data keys nothing is sealed under any more: the old keys of renamed
        identifiers, and the new keys made for ones that vanished or an erasure holds."""
        unused = [t.old.key for t in done.renamed] + [t.new.key for t in done.dropped]
        return await self.sealer.forget(unused) if unused else 0

    async def _sweep(self) -> int:
        """Destroy old-kid data keys left by interrupted runs (no identifier is under an old
        kid any more, so none of them seals anything that is kept)."""
        old = set(self.old_kids)
        destroyed, after = 0, ""
        while page := await self.sealer.owners(after, SWEEP_PAGE):
            after = page[-1]
            stale = [o for o in page if _kid_of(o) in old]
            if stale:
                destroyed += await self.sealer.forget(stale)
        return destroyed


def _kid_of(owner: str) -> str | None:
    """The kid of an identifier node key `ws:type:kid:hash`; None for other owners."""
    parts = owner.rsplit(":", 3)
    if len(parts) != 4 or len(parts[3]) != 64:
        return None
    return parts[2]
