"""Operator actions on the identity graph: unlink, block, manual merge, explain, re-resolve.

Each write takes the workspace lock and recomputes only the affected evidence component with
the same rules as ingestion, so a manual action and a later event can never disagree.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping, Sequence

from app.domain.identity import (
    IdentifierError,
    IdentityRules,
    NormalisedIdentifier,
    normalise,
    validate_type,
)
from app.errors import Conflict, InvalidInput, NotFound
from app.ports.components import ComponentSnapshot
from app.ports.curation import CurationStore, GenericIdentifier
from app.ports.identity import IdentityGraphPort, IdentityTx
from app.ports.identity_rows import FoundIdentifier
from app.services.changes.notices import ProfileNotifier, lineage_notices
from app.services.identity.curated import (
    ComponentChange,
    Curated,
    IdentifierRef,
    MergeOutcome,
    Target,
)
from app.services.identity.explanation import Explanation, explanation
from app.services.identity.join_evidence import EvidencePlan, manual_rows, pair_rows
from app.services.identity.keys import Sealer
from app.services.identity.resolution import MAX_COMPONENT_NODES, ReclusterOutcome, plan, recluster
from app.services.profiles.traits import GoldenRecords

#: Longer than any node key (`ws:type:kid:hash`); a longer "key" is refused unread.
MAX_KEY_LENGTH = 512


class _RollBack(Exception):
    def __init__(self, conflict: str) -> None:
        self.conflict = conflict


class CurationService:
    def __init__(
        self,
        graph: IdentityGraphPort,
        store: CurationStore,
        sealer: Sealer,
        rules: IdentityRules,
        golden: GoldenRecords,
        notifier: ProfileNotifier | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.graph = graph
        self.store = store
        self.sealer = sealer
        self.rules = rules
        self.golden = golden
        self.notifier = notifier
        self.clock = clock

    async def _announce(
        self, outcome: ReclusterOutcome, traits: Mapping[str, set[str]] | None = None
    ) -> ReclusterOutcome:
        """Publish what a recomputation changed: lineage, identifiers and (`traits`, as the
        golden refresh answered) the fields that got another winner."""
        if self.notifier is not None:
            await self.notifier.publish(
                lineage_notices(outcome.merges, outcome.splits, outcome.changed_profiles, traits)
            )
        return outcome

    def normalised(self, type: str, value: str) -> NormalisedIdentifier:
        try:
            validate_type(type)
            return NormalisedIdentifier(
                type, normalise(type, value, self.rules.default_region, self.rules.mailboxes)
            )
        except IdentifierError as exc:
            raise InvalidInput(f"identifier: {exc}") from exc

    async def _lookup(self, tx: IdentityTx, ident: NormalisedIdentifier) -> FoundIdentifier | None:
        """The stored identifier (key, profile...) under any listed blind-index key id; the
        current kid's wins should a misconfigured process have left two."""
        candidates = self.sealer.candidate_keys(ident)
        rows = await tx.find_identifiers(candidates)
        return min(rows, key=lambda r: candidates.index(str(r["key"]))) if rows else None

    async def _stored(self, tx: IdentityTx, target: Target) -> FoundIdentifier | None:
        """The stored identifier a target names: by value, or by this workspace's key."""
        if isinstance(target, NormalisedIdentifier):
            return await self._lookup(tx, target)
        return await tx.identifier_by_key(target)

    async def _existing(self, tx: IdentityTx, target: Target) -> FoundIdentifier:
        found = await self._stored(tx, target)
        if found is None:
            named = (
                f"{target.type} identifier with that value"
                if isinstance(target, NormalisedIdentifier)
                else "identifier with that key"
            )
            raise NotFound(f"no {named} in this workspace")
        return found

    def target(self, ref: IdentifierRef) -> Target:
        """What a reference names, checked before any transaction: a normalised value, or a
        node key (looked up in this workspace only)."""
        if ref.key is not None:
            if ref.value is not None:
                raise InvalidInput("give identifier (type and value) or key, not both")
            if not ref.key or len(ref.key) > MAX_KEY_LENGTH:
                raise InvalidInput("key: not an identifier key")
            return ref.key
        if ref.type is None or ref.value is None:
            raise InvalidInput("give identifier (type and value) or key")
        return self.normalised(ref.type, ref.value)

    async def find(self, type: str, value: str) -> FoundIdentifier | None:
        """One read: the identifier's key and its profile id, or None if it is unknown."""
        ident = self.normalised(type, value)

        async def work(tx: IdentityTx) -> FoundIdentifier | None:
            return await self._lookup(tx, ident)

        return await self.graph.read_tx(work)

    async def find_key(self, type: str, value: str) -> str | None:
        row = await self.find(type, value)
        return str(row["key"]) if row else None

    async def _act_on(
        self,
        ref: IdentifierRef,
        change: Callable[[IdentityTx, str, ComponentSnapshot, float], Awaitable[list[str]]],
        reason: str,
    ) -> Curated:
        """Lock, find the identifier and its component, apply `change`, recompute.

        The component is loaded before the change (a block or NEVER edge would cut it short);
        `change` returns the identifiers to recompute from.
        """
        target = self.target(ref)  # a bad value or key is refused before any lock
        now = self.clock()

        async def work(tx: IdentityTx) -> tuple[Curated, dict[str, set[str]]]:
            await tx.lock(now)
            found = await self._existing(tx, target)
            key = found["key"]
            snapshot = await tx.load_locked_component([key], self.rules, MAX_COMPONENT_NODES)
            seeds = await change(tx, key, snapshot, now)
            outcome = await recluster(tx, seeds, self.rules, now, reason)
            traits = await self.golden.refresh(tx, outcome.redecide, now)
            return Curated(outcome, key, outcome.profile_of.get(key, found["profile"])), traits

        curated, traits = await self.graph.write(work)
        await self._announce(curated.outcome, traits)
        return curated

    async def unlink(self, ref: IdentifierRef, by: str, reason: str) -> Curated:
        """Detach an identifier from its profile for good (sticky NEVER edges)."""

        async def never(tx: IdentityTx, key: str, snap: ComponentSnapshot, now: float) -> list[str]:
            mine = snap.current.get(key)
            partners = sorted(k for k, p in snap.current.items() if p == mine and k != key)
            await tx.add_never([(key, other) for other in partners], now, by, reason)
            return [key, *partners]

        return await self._act_on(ref, never, f"unlink: {reason}")

    async def relink(self, ref: IdentifierRef, by: str) -> Curated:
        """Lift an identifier's NEVER edges; the evidence decides again."""

        async def lift(tx: IdentityTx, key: str, snap: ComponentSnapshot, now: float) -> list[str]:
            await tx.remove_never_of(key)
            return [key, *snap.keys]

        return await self._act_on(ref, lift, f"relink by {by}")

    async def set_blocked(self, ref: IdentifierRef, blocked: bool, by: str) -> Curated:
        """A blocked identifier keeps its events but links nothing any more."""

        async def flag(tx: IdentityTx, key: str, snap: ComponentSnapshot, now: float) -> list[str]:
            await tx.set_blocked(key, blocked, now, by)
            return snap.keys

        action = "block" if blocked else "unblock"
        return await self._act_on(ref, flag, f"{action} by {by}")

    async def merge_profiles(
        self, profile_ids: Sequence[str], reason: str, by: str
    ) -> MergeOutcome:
        """Add manual-merge evidence between the profiles; refused if a rule would break."""
        ids = sorted(set(profile_ids))
        if len(ids) < 2:
            raise InvalidInput("mergeProfiles needs at least two distinct profile ids")
        return await self._merge(ids, f"manual merge: {reason}", manual_rows(self.rules, by))

    async def join_as_one(
        self,
        profile_ids: tuple[str, str],
        reason: str,
        by: str,
        *,
        pair: tuple[str, str] | None = None,
    ) -> MergeOutcome:
        """Join two profiles an operator says are one person (an accepted suggestion).

        One edge of evidence, sourced `review:<by>`: between the two values of `pair` (two
        contending values, by key) when both are still there, one in each profile, else
        between the oldest values of the highest-priority type both profiles hold; under
        `alias` when the two are of one type and `alias` is a successor rule (two user ids of
        one person count once against the cap), else `manual_merge` (between the profiles'
        highest-priority identifiers when they hold no type in common). Refused, and nothing
        changes, if a rule would still break.
        """
        ids = sorted(set(profile_ids))
        if len(ids) != 2:
            raise InvalidInput("a join needs two distinct profile ids")
        return await self._merge(ids, f"review: {reason}", pair_rows(self.rules, by, pair))

    async def _merge(self, ids: list[str], reason: str, plan_rows: EvidencePlan) -> MergeOutcome:
        """Add the evidence `plan_rows` gives between the profiles' representatives and
        recompute; every identifier of every profile must end in one profile, or nothing
        changes and the answer names the rule that refused it."""
        now = self.clock()

        async def work(
            tx: IdentityTx,
        ) -> tuple[MergeOutcome, ReclusterOutcome | None, dict[str, set[str]]]:
            await tx.lock(now)
            reps = await tx.locked_representatives(ids)
            missing = set(ids) - {r["requested"] for r in reps}
            if missing:
                raise NotFound(f"unknown profile id(s): {', '.join(sorted(missing))}")
            by_active = {r["active"]: r["representative"] for r in reps}
            if len(by_active) < 2:
                return MergeOutcome(next(iter(by_active)), (), None), None, {}
            keys = [by_active[p] for p in sorted(by_active)]
            before = await tx.load_locked_component(keys, self.rules, MAX_COMPONENT_NODES)
            members = [k for k, p in before.current.items() if p in by_active]
            await tx.merge_evidence(plan_rows(before, keys, now))
            outcome = await recluster(tx, keys, self.rules, now, reason)
            targets = {outcome.profile_of.get(k) for k in members}
            if len(targets) != 1:
                # Every identifier of every profile must end up together, or nothing changes.
                reasons = sorted({c.reason for c in outcome.new_conflicts})
                raise _RollBack(", ".join(reasons) or "refused by the identity rules")
            into = targets.pop()
            assert into is not None
            traits = await self.golden.refresh(tx, outcome.redecide, now)
            merged = tuple(sorted(p for p in by_active if p != into))
            return MergeOutcome(into, merged, None), outcome, traits

        try:
            merge, outcome, traits = await self.graph.write(work)
        except _RollBack as refused:
            return MergeOutcome(None, (), refused.conflict)
        if outcome is not None:
            await self._announce(outcome, traits)
        return merge

    async def keep_apart(self, a: str, b: str, by: str, reason: str) -> Curated:
        """Two identifiers (by key, both of this workspace) are never to share a profile: one
        sticky NEVER pair (a dismissed conflict), then their component is decided again.
        NotFound if either is not stored here; Conflict if they share a profile now:
        splitting a profile is what unlink is for."""

        async def never(tx: IdentityTx, key: str, snap: ComponentSnapshot, now: float) -> list[str]:
            await self._existing(tx, self.target(IdentifierRef.by_key(b)))
            if snap.current.get(a) is not None and snap.current.get(a) == snap.current.get(b):
                raise Conflict("the two identifiers share a profile now")
            await tx.add_never([(a, b)], now, by, reason)
            return [a, b]

        return await self._act_on(IdentifierRef.by_key(a), never, f"keep apart: {reason}")

    async def generic_identifiers(
        self, limit: int = 50, *, unfiled: bool = False
    ) -> list[GenericIdentifier]:
        """What the rules caught as generic (a shared value, junk), most linked first; with
        `unfiled`, only what the review queue has not filed yet."""
        if not 1 <= limit <= 1000:
            raise InvalidInput("limit must be between 1 and 1000")
        return await self.store.generic_identifiers(limit, self.rules, unfiled)

    def caught_by(self, found: GenericIdentifier) -> str:
        """Which rule makes it generic now: `generic_degree`, `generic_rivals`, or `flagged`
        (marked when its component was last decided; the counts have fallen since)."""
        if found.degree > self.rules.generic_degree:
            return "generic_degree"
        limit = self.rules.generic_rivals
        if found.shared > limit and found.rivals > limit:
            return "generic_rivals"
        return "flagged"

    async def explain(self, a: tuple[str, str], b: tuple[str, str]) -> Explanation:
        """Whether two identifiers share a profile, and the strongest evidence chain."""
        ia, ib = self.normalised(*a), self.normalised(*b)

        async def work(tx: IdentityTx) -> Explanation:
            ka = (await self._existing(tx, ia))["key"]
            kb = (await self._existing(tx, ib))["key"]
            snapshot = await tx.load_component([ka, kb], self.rules, MAX_COMPONENT_NODES)
            return explanation(snapshot, self.rules, ka, kb)

        return await self.graph.read_tx(work)

    async def reresolve(self, *, dry_run: bool, page: int = 1000) -> list[ComponentChange]:
        """Recompute every component under the current rules; report (and apply) changes."""
        changes: list[ComponentChange] = []
        visited: set[str] = set()
        after = ""
        while True:
            keys = await self.store.identifier_keys(after, page)
            if not keys:
                return changes
            after = keys[-1]
            for key in keys:
                if key in visited:
                    continue
                change, keys = await self._reresolve_component(key, dry_run)
                visited.update(keys)
                if change is not None:
                    changes.append(change)

    async def _reresolve_component(
        self, key: str, dry_run: bool
    ) -> tuple[ComponentChange | None, list[str]]:
        async def preview(tx: IdentityTx) -> tuple[ComponentChange | None, list[str]]:
            snapshot = await tx.load_component([key], self.rules, MAX_COMPONENT_NODES)
            _, assignment = plan(snapshot, self.rules)
            if not (assignment.merges or assignment.splits or assignment.moves):
                return None, snapshot.keys
            change = ComponentChange(
                identifiers=len(snapshot.nodes),
                merges=len(assignment.merges),
                splits=len(assignment.splits),
                moves=len(assignment.moves),
            )
            return change, snapshot.keys

        change, keys = await self.graph.read_tx(preview)
        if change is not None and not dry_run:
            now = self.clock()

            async def apply(tx: IdentityTx) -> tuple[ReclusterOutcome, dict[str, set[str]]]:
                await tx.lock(now)
                outcome = await recluster(tx, keys, self.rules, now, "re-resolution")
                return outcome, await self.golden.refresh(tx, outcome.redecide, now)

            await self._announce(*await self.graph.write(apply))
        return change, keys
