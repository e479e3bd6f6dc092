"""Neo4j side of identity resolution: one transaction object with named, batched queries.

Everything here is I/O and shape conversion; what to merge, split or refuse is decided by the
pure functions in `app.domain.identity`.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from neo4j import AsyncDriver, AsyncManagedTransaction
from neo4j.exceptions import ConstraintError

from app.adapters.component import joined, parts, restricted
from app.adapters.component_loading import LOADERS, Traversal
from app.adapters.cypher import query
from app.adapters.neo4j_db import Graph, count_query, parameters, row_of
from app.adapters.trait_rows import evidence_by_profile, links_by_profile
from app.domain.identity import IdentityRules, Link
from app.ports.components import ComponentSnapshot
from app.ports.identity import AlreadyStored, ComponentMoving
from app.ports.identity_rows import (
    ClaimedIdentifierRow,
    ConsentRow,
    EventRow,
    EvidenceRow,
    FoundIdentifier,
    GenericRow,
    GoldenRow,
    IdentifierRow,
    LinkRow,
    LinkStateRow,
    MergeRow,
    MoveRow,
    ObservationRow,
    PlacedIdentifierRow,
    Representative,
    SplitRow,
    SuccessionRow,
)
from app.ports.profiles import TraitEvidence

T = TypeVar("T")

#: Stripe locks per workspace. An identity-writing transaction takes one (chosen at random),
#: the exclusive mode takes all: two writers share a stripe, and wait for each other on it,
#: about once in this many pairs. (With 64, four resolvers and the worker's writers met on a
#: stripe in 5.7 % of the sampled transactions, each wait as long as a batch.)
LOCK_STRIPES = 1024
#: Rounds of "lock what was found, read again" before a transaction gives up on a component
#: that keeps growing under it (each round only adds locks, so this is not reached in
#: practice; ingestion writes the batch again, other callers get the error).
LOCK_ROUNDS = 32


#: The first pause before a transaction runs again after a transient failure, doubled at each
#: attempt (the driver's default is 1 s): a deadlock between two writers is over once one of
#: them has rolled back, so the loser starts again almost at once.
RETRY_DELAY_SECONDS = 0.05


class IdentityTx:
    """Queries of one identity-writing transaction (the port, with what each does:
    app/ports/identity.py).

    The locking protocol (docs/identity.md, "Writers side by side"): first `lock` (one stripe
    of the workspace, shared with other writers) or `lock_exclusive` (every stripe); then,
    before reading anything it will decide on, the profiles of the identifiers it touches
    (`lock_profiles_of`) and of the components it recomputes (`load_locked_component`).
    Profiles are locked in id order within a round; a lock found missing later is taken out of
    order, and a deadlock that may cause is detected by Neo4j and the transaction retried.
    """

    def __init__(
        self, tx: AsyncManagedTransaction, ws: str, traversal: Traversal = "breadth_first"
    ) -> None:
        self.tx = tx
        self.ws = ws
        #: How `load_component` finds a component (app/adapters/component_loading.py).
        self.traversal: Traversal = traversal
        #: Profile ids whose write lock this transaction holds.
        self.locked: set[str] = set()

    async def _rows(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        count_query()
        result = await self.tx.run(query(name), parameters(params))
        return [row_of(record) async for record in result]

    async def run(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        """A named query in this transaction, with this workspace's `$ws`."""
        return await self._rows(name, ws=self.ws, **params)

    async def lock(self, at: float) -> None:
        stripe = random.randrange(LOCK_STRIPES)
        await self._rows(
            "identity/lock_shared", id=f"{self.ws}:{stripe}", ws=self.ws, stripe=stripe, at=at
        )

    async def lock_exclusive(self, at: float) -> None:
        await self._rows("identity/lock_exclusive", ws=self.ws, stripes=LOCK_STRIPES, at=at)

    async def lock_profiles(self, ids: Iterable[str]) -> None:
        await self.lock_profiles_of((), ids)

    async def lock_profiles_of(self, keys: Iterable[str], ids: Iterable[str] = ()) -> None:
        wanted = sorted(set(keys))
        missing = sorted(set(ids) - self.locked)
        if not wanted and not missing:
            return
        for _ in range(LOCK_ROUNDS):
            rows = await self._rows("identity/lock_profiles", ws=self.ws, ids=missing, keys=wanted)
            self.locked.update(rows[0]["locked"])
            missing = sorted(set(rows[0]["profiles"]) - self.locked)
            if not missing:
                return
        raise ComponentMoving(f"{len(wanted)} identifiers kept moving between profiles")

    async def batch_state(
        self, ids: Sequence[str], keys: Sequence[str], identifiers: Sequence[str] = ()
    ) -> tuple[set[str], set[str], set[str]]:
        rows = await self._rows(
            "identity/batch_state", ids=list(ids), keys=list(keys), identifiers=list(identifiers)
        )
        return set(rows[0]["ids"]), set(rows[0]["suppressed"]), set(rows[0]["present"])

    async def claim_identifiers(self, rows: Sequence[ClaimedIdentifierRow]) -> set[str]:
        if not rows:
            return set()
        found = await self._rows("identity/claim_identifiers", ws=self.ws, rows=rows)
        return set(found[0]["taken"])

    async def attach_identifiers(self, rows: Sequence[PlacedIdentifierRow]) -> None:
        if rows:
            slim = [{"key": r["key"], "profile": r["profile"]} for r in rows]
            await self._rows("identity/attach_identifiers", rows=slim)

    async def merge_identifiers(self, rows: Sequence[IdentifierRow]) -> tuple[set[str], set[str]]:
        if not rows:
            return set(), set()
        changed = await self._rows("identity/merge_identifiers", ws=self.ws, rows=rows)
        return set(changed[0]["keys"]), set(changed[0]["profiles"])

    async def create_evidence(self, rows: Sequence[LinkRow], at: float) -> None:
        if rows:
            await self._rows("identity/create_evidence", rows=rows, at=at)

    async def merge_evidence(self, rows: Sequence[EvidenceRow]) -> set[str]:
        if not rows:
            return set()
        changed = await self._rows("identity/merge_evidence", rows=rows)
        return set(changed[0]["keys"])

    async def create_events(self, rows: Sequence[EventRow]) -> None:
        if rows:
            await self._rows("identity/create_events", ws=self.ws, rows=rows)

    async def present_identifiers(self, keys: Sequence[str]) -> set[str]:
        rows = await self._rows("identity/present_identifiers", keys=list(keys))
        return set(rows[0]["present"])

    async def find_identifiers(self, keys: Sequence[str]) -> list[FoundIdentifier]:
        rows = await self._rows("identity/find_identifiers", keys=list(keys))
        return [_found(r) for r in rows]

    async def successions_of(
        self, keys: Sequence[str], rules: Sequence[str]
    ) -> list[SuccessionRow]:
        if not keys:
            return []
        rows = await self.run("identity/successions_of", keys=list(keys), rules=list(rules))
        return [
            SuccessionRow(
                previous=r["previous"],
                successor=r["successor"],
                rule=r["rule"],
                first=float(r["first"]),
                last=float(r["last"]),
                source=r["source"],
            )
            for r in rows
        ]

    async def identifier_by_key(self, key: str) -> FoundIdentifier | None:
        rows = await self.run("identity/identifier_by_key", key=key)
        return _found(rows[0]) if rows else None

    async def load_locked_component(
        self, seeds: Iterable[str], rules: IdentityRules, max_nodes: int
    ) -> ComponentSnapshot:
        seeds = sorted(set(seeds))
        snapshot = await self.load_component(seeds, rules, max_nodes)
        for _ in range(LOCK_ROUNDS):
            missing = set(snapshot.current.values()) - self.locked
            if not missing:
                return snapshot
            await self.lock_profiles(missing)
            snapshot = await self._read_again(snapshot, missing, seeds, rules, max_nodes)
        raise ComponentMoving(f"the component of {len(seeds)} identifiers kept growing")

    async def _read_again(
        self,
        snapshot: ComponentSnapshot,
        locked_now: set[str],
        seeds: list[str],
        rules: IdentityRules,
        max_nodes: int,
    ) -> ComponentSnapshot:
        """The snapshot once the profiles `locked_now` are locked too: the parts holding none
        of them were read under their profiles' locks, so no writer can have changed them, and
        only the other parts are read again (a batch's components are many, and one of them
        reaching an unlocked profile need not cost reading them all twice). A truncated
        snapshot, or parts that now reach a kept one, are read again whole."""
        loaded = set(snapshot.keys)
        stale: set[str] = set()
        for part in parts(snapshot):
            if any(snapshot.current.get(k) in locked_now for k in part):
                if part.isdisjoint(seeds):
                    stale = loaded  # reached through no edge (a generic one's peers)
                    break
                stale |= part
        if snapshot.truncated or not stale or stale == loaded:
            return await self.load_component(seeds, rules, max_nodes)
        kept_keys = loaded - stale
        kept = restricted(snapshot, kept_keys)
        again = await self.load_component(
            [k for k in seeds if k in stale or k not in loaded], rules, max_nodes
        )
        if (
            again.truncated
            or len(kept.nodes) + len(again.nodes) > max_nodes
            or not kept_keys.isdisjoint(again.keys)
        ):
            return await self.load_component(seeds, rules, max_nodes)
        return joined(kept, again)

    async def load_component(
        self, seeds: Iterable[str], rules: IdentityRules, max_nodes: int
    ) -> ComponentSnapshot:
        return await LOADERS[self.traversal](self._rows, seeds, rules, max_nodes)

    async def set_link_states(self, rows: Sequence[LinkStateRow], at: float) -> None:
        if rows:
            await self._rows("identity/set_link_states", rows=rows, at=at)

    async def set_generic(self, rows: Sequence[GenericRow]) -> None:
        if rows:
            await self._rows("identity/set_generic", rows=rows)

    async def create_profiles(
        self,
        ids: Sequence[str],
        at: float,
        golden: Mapping[str, GoldenRow] | None = None,
    ) -> None:
        if not ids:
            return
        records = golden or {}
        # A profile without a record yet gets an empty one (golden null).
        rows: list[Mapping[str, Any]] = [
            records.get(i) or {"id": i, "plain": {}, "golden": None} for i in ids
        ]
        await self._rows("identity/create_profiles", ws=self.ws, rows=rows, at=at)
        self.locked.update(ids)  # created here: no one else sees them before the commit

    async def move_identifiers(self, rows: Sequence[MoveRow]) -> None:
        if rows:
            await self._rows("identity/move_identifiers", rows=rows)

    async def merge_profiles(self, rows: Sequence[MergeRow], at: float) -> None:
        if rows:
            await self._rows("identity/merge_profiles", rows=rows, at=at)

    async def record_splits(self, rows: Sequence[SplitRow], at: float) -> None:
        if rows:
            await self._rows("identity/record_splits", rows=rows, at=at)

    async def touch_profiles(self, ids: Sequence[str], at: float) -> None:
        if ids:
            await self._rows("identity/touch_profiles", ids=sorted(set(ids)), at=at)

    async def add_never(
        self, pairs: Sequence[tuple[str, str]], at: float, by: str, reason: str
    ) -> None:
        rows = [{"a": min(a, b), "b": max(a, b)} for a, b in pairs]
        if rows:
            await self._rows("identity/add_never", rows=rows, at=at, by=by, reason=reason)

    async def remove_never(self, pairs: Sequence[tuple[str, str]]) -> int:
        rows = [{"a": a, "b": b} for a, b in pairs]
        if not rows:
            return 0
        result = await self._rows("identity/remove_never", rows=rows)
        return int(result[0]["removed"]) if result else 0

    async def remove_never_of(self, key: str) -> int:
        rows = await self._rows("identity/remove_never_of", key=key)
        return int(rows[0]["removed"]) if rows else 0

    async def profile_representatives(self, ids: Sequence[str]) -> list[Representative]:
        rows = await self._rows("identity/profile_representatives", ws=self.ws, ids=list(ids))
        return [_representative(r) for r in rows]

    async def locked_representatives(self, ids: Sequence[str]) -> list[Representative]:
        for _ in range(LOCK_ROUNDS):
            reps = await self.profile_representatives(ids)
            active = {r["active"] for r in reps}
            if active <= self.locked:
                return reps
            await self.lock_profiles(active)
        raise ComponentMoving(f"{len(ids)} profiles kept being merged")

    async def create_observations(self, rows: Sequence[ObservationRow]) -> None:
        if rows:
            await self._rows("traits/create_observations", ws=self.ws, rows=rows)

    async def merge_observations(self, rows: Sequence[ObservationRow]) -> set[str]:
        if not rows:
            return set()
        found = await self._rows("traits/merge_observations", ws=self.ws, rows=rows)
        return set(found[0]["profiles"])

    async def profile_evidence(self, profile_ids: Sequence[str]) -> dict[str, TraitEvidence]:
        found = await self.run("traits/profile_evidence", ids=list(profile_ids))
        return evidence_by_profile(found[0]["members"])

    async def profile_links(self, profile_ids: Sequence[str]) -> dict[str, tuple[Link, ...]]:
        return links_by_profile(await self.run("traits/profile_links", ids=list(profile_ids)))

    async def record_sightings(
        self, devices: Sequence[Mapping[str, Any]], seen: Sequence[Mapping[str, Any]]
    ) -> None:
        if devices:
            await self.run("devices/merge_devices", rows=list(devices))
        if seen:
            await self.run("devices/merge_seen_on", rows=list(seen))

    async def set_golden(self, rows: Sequence[GoldenRow], at: float) -> dict[str, str | None]:
        if not rows:
            return {}
        found = await self._rows("traits/set_golden", rows=rows, at=at)
        return {r["id"]: r["before"] for r in found}

    async def record_consents(self, rows: Sequence[ConsentRow]) -> tuple[int, set[str]]:
        if not rows:
            return 0, set()
        found = await self._rows("consent/record", ws=self.ws, rows=rows)
        if not found:
            return 0, set()
        return int(found[0]["recorded"]), set(found[0]["profiles"])

    async def set_blocked(self, key: str, blocked: bool, at: float, by: str) -> bool:
        rows = await self._rows("identity/set_blocked", key=key, blocked=blocked, at=at, by=by)
        return bool(rows)


def _found(row: Mapping[str, Any]) -> FoundIdentifier:
    return FoundIdentifier(
        key=row["key"],
        type=row["type"],
        blocked=bool(row["blocked"]),
        generic=bool(row["generic"]),
        profile=row["profile"],
    )


def _representative(row: Mapping[str, Any]) -> Representative:
    return Representative(
        requested=row["requested"],
        active=row["active"],
        status=row["status"],
        representative=row["representative"],
    )


class IdentityGraph:
    """Runs identity transactions against one database; retries transient failures."""

    def __init__(
        self,
        driver: AsyncDriver,
        database: str,
        ws: str,
        component_traversal: Traversal = "breadth_first",
    ) -> None:
        self.driver = driver
        self.database = database
        self.ws = ws
        self.component_traversal: Traversal = component_traversal
        self._graph = Graph(driver, database)

    async def write(self, work: Callable[[IdentityTx], Awaitable[T]]) -> T:
        return await self._transaction(work, write=True)

    async def read_tx(self, work: Callable[[IdentityTx], Awaitable[T]]) -> T:
        """A read transaction with the same query helpers (explain, dry runs)."""
        return await self._transaction(work, write=False)

    async def _transaction(self, work: Callable[[IdentityTx], Awaitable[T]], write: bool) -> T:
        # The driver runs `run` again after a transient failure (a deadlock between two
        # writers that locked profiles out of order, a lost leader), each time with a fresh
        # IdentityTx; ingestion counts its own re-runs (IngestReport.retries).
        async def run(tx: AsyncManagedTransaction) -> T:
            return await work(IdentityTx(tx, self.ws, self.component_traversal))

        async with self.driver.session(
            database=self.database,
            initial_retry_delay=RETRY_DELAY_SECONDS,
            retry_delay_multiplier=2.0,
            # The bookmarks the process's other queries share (execute_query's): on a cluster,
            # a read made after an identity write of this process sees it.
            bookmark_manager=self.driver.execute_query_bookmark_manager,
        ) as session:
            execute = session.execute_write if write else session.execute_read
            try:
                return await execute(run)
            except ConstraintError as exc:
                raise AlreadyStored(exc.message or "uniqueness constraint") from exc

    async def read(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        """A named read query with this workspace's `$ws`."""
        return await self._graph.read(name, ws=self.ws, **params)

    async def read_text(self, text: str, /, **params: Any) -> list[dict[str, Any]]:
        """A composed read (compiled segments) with this workspace's `$ws`."""
        return await self._graph.read_text(text, ws=self.ws, **params)

    async def run_write(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        """A named write query, in its own transaction, with this workspace's `$ws`."""
        return await self._graph.write(name, ws=self.ws, **params)
