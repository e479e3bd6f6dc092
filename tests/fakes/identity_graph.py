"""An in-memory identity graph behind the `IdentityGraphPort` (app/ports/identity.py): each
transaction works on a copy of the graph and commits it whole, or leaves nothing when it fails,
as a Neo4j transaction does. Every query of `IdentityTx` is answered as its Cypher file answers
it (tests/integration/contracts/test_identity_graph.py runs the same scenarios on both), so the
identity services can be tested in milliseconds."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from app.adapters.component_loading import breadth_first
from app.domain.identity import IdentityRules
from app.ports.components import ComponentSnapshot
from app.ports.identity_rows import (
    ClaimedIdentifierRow,
    FoundIdentifier,
    GenericRow,
    GoldenRow,
    IdentifierRow,
    MergeRow,
    MoveRow,
    PlacedIdentifierRow,
    Representative,
    SplitRow,
    SuccessionRow,
)
from tests.fakes import identity_rows
from tests.fakes.identity_evidence import EvidenceQueries
from tests.fakes.identity_records import RecordQueries
from tests.fakes.identity_state import (
    IdentityState,
    StoredIdentifier,
    StoredProfile,
    must_be_new,
)

T = TypeVar("T")

#: The queries that write: refused in a read transaction.
WRITES = frozenset(
    {
        "lock",
        "lock_exclusive",
        "lock_profiles",
        "claim_identifiers",
        "attach_identifiers",
        "merge_identifiers",
        "set_generic",
        "set_blocked",
        "create_evidence",
        "merge_evidence",
        "set_link_states",
        "add_never",
        "remove_never",
        "remove_never_of",
        "create_profiles",
        "move_identifiers",
        "merge_profiles",
        "record_splits",
        "touch_profiles",
        "create_events",
        "record_sightings",
        "create_observations",
        "merge_observations",
        "set_golden",
        "record_consents",
    }
)


class InMemoryIdentityTx(EvidenceQueries, RecordQueries):
    """One transaction over a copy of the graph (evidence and never-pairs:
    tests/fakes/identity_evidence.py; events, devices, observations, golden records and
    consents: tests/fakes/identity_records.py)."""

    def __init__(
        self, state: IdentityState, ws: str, calls: list[str], read_only: bool = False
    ) -> None:
        self.state = state
        self.ws = ws
        self.locked: set[str] = set()
        self._calls = calls
        self._read_only = read_only

    def _call(self, name: str) -> None:
        if self._read_only and name in WRITES:
            raise AssertionError(f"{name} in a read transaction (Neo4j refuses it)")
        self._calls.append(name)

    async def run(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        raise AssertionError(f"the in-memory identity graph runs no named query ({name})")

    # Locks: one transaction at a time commits (the graph's writer lock); these record what
    # the services lock, as the Neo4j transaction does.

    async def lock(self, at: float) -> None:
        self._call("lock")

    async def lock_exclusive(self, at: float) -> None:
        self._call("lock_exclusive")

    async def lock_profiles(self, ids: Iterable[str]) -> None:
        await self.lock_profiles_of((), ids)

    async def lock_profiles_of(self, keys: Iterable[str], ids: Iterable[str] = ()) -> None:
        self._call("lock_profiles")
        s = self.state
        found = {i for i in ids if i in s.profiles and s.profiles[i].ws == self.ws}
        for key in keys:
            ident = s.identifiers.get(key)
            if ident is not None and ident.ws == self.ws and ident.profile is not None:
                found.add(ident.profile)
        self.locked |= found

    async def batch_state(
        self, ids: Sequence[str], keys: Sequence[str], identifiers: Sequence[str] = ()
    ) -> tuple[set[str], set[str], set[str]]:
        self._call("batch_state")
        s = self.state
        return (
            {i for i in ids if i in s.events},
            {k for k in keys if k in s.suppressed},
            {k for k in identifiers if k in s.identifiers},
        )

    # Identifiers ---------------------------------------------------------------------------

    def _upsert(self, row: IdentifierRow, generic: bool) -> tuple[StoredIdentifier, bool]:
        found = self.state.identifiers.get(row["key"])
        if found is not None:
            return found, False
        made = StoredIdentifier(
            key=row["key"],
            ws=self.ws,
            type=row["type"],
            kid=row["kid"],
            hash=row["hash"],
            enc=row["enc"],
            first_seen=row["first"],
            last_seen=row["last"],
            generic=generic,
        )
        self.state.identifiers[made.key] = made
        return made, True

    async def claim_identifiers(self, rows: Sequence[ClaimedIdentifierRow]) -> set[str]:
        self._call("claim_identifiers")
        taken = set()
        for row in rows:
            found, _ = self._upsert(row, row["generic"])
            if found.enc != row["enc"]:
                taken.add(row["key"])
        return taken

    async def attach_identifiers(self, rows: Sequence[PlacedIdentifierRow]) -> None:
        self._call("attach_identifiers")
        for row in rows:
            if row["key"] in self.state.identifiers and row["profile"] in self.state.profiles:
                self.state.identifiers[row["key"]].profile = row["profile"]

    async def merge_identifiers(self, rows: Sequence[IdentifierRow]) -> tuple[set[str], set[str]]:
        self._call("merge_identifiers")
        keys: set[str] = set()
        profiles: set[str] = set()
        for row in rows:
            found, created = self._upsert(row, False)
            if not created:
                found.first_seen = min(found.first_seen, row["first"])
                found.last_seen = max(found.last_seen, row["last"])
            if found.first_seen == row["first"]:
                keys.add(row["key"])
            if found.profile is not None:
                profiles.add(found.profile)
        return keys, profiles

    async def present_identifiers(self, keys: Sequence[str]) -> set[str]:
        self._call("present_identifiers")
        return {k for k in keys if k in self.state.identifiers}

    def _found(self, ident: StoredIdentifier) -> FoundIdentifier:
        return FoundIdentifier(
            key=ident.key,
            type=ident.type,
            blocked=ident.blocked,
            generic=ident.generic,
            profile=ident.profile,
        )

    async def find_identifiers(self, keys: Sequence[str]) -> list[FoundIdentifier]:
        self._call("find_identifiers")
        found = (self.state.identifiers.get(k) for k in keys)
        return [self._found(i) for i in found if i is not None]

    async def successions_of(
        self, keys: Sequence[str], rules: Sequence[str]
    ) -> list[SuccessionRow]:
        self._call("successions_of")
        return identity_rows.successions_of(self.state, self.ws, keys, rules)

    async def identifier_by_key(self, key: str) -> FoundIdentifier | None:
        self._call("identifier_by_key")
        found = self.state.identifiers.get(key)
        return self._found(found) if found is not None and found.ws == self.ws else None

    async def set_generic(self, rows: Sequence[GenericRow]) -> None:
        self._call("set_generic")
        for row in rows:
            if row["key"] in self.state.identifiers:
                self.state.identifiers[row["key"]].generic = row["generic"]

    async def set_blocked(self, key: str, blocked: bool, at: float, by: str) -> bool:
        self._call("set_blocked")
        found = self.state.identifiers.get(key)
        if found is None:
            return False
        found.blocked = blocked
        self.state.blocked_by[key] = (at, by)
        return True

    # Components ----------------------------------------------------------------------------

    async def _rows(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        """The three queries the component loader asks."""
        self._call(name.removeprefix("identity/"))
        if name == "identity/expand_component":
            return identity_rows.expand_component(self.state, **params)
        if name == "identity/profile_peers":
            return identity_rows.profile_peers(self.state, params["keys"])
        if name == "identity/edges_into":
            return identity_rows.edges_into(self.state, params["keys"], params["loaded"])
        raise AssertionError(f"no in-memory query {name}")

    async def load_component(
        self, seeds: Iterable[str], rules: IdentityRules, max_nodes: int
    ) -> ComponentSnapshot:
        return await breadth_first(self._rows, seeds, rules, max_nodes)

    async def load_locked_component(
        self, seeds: Iterable[str], rules: IdentityRules, max_nodes: int
    ) -> ComponentSnapshot:
        snapshot = await self.load_component(sorted(set(seeds)), rules, max_nodes)
        await self.lock_profiles(set(snapshot.current.values()) - self.locked)
        return snapshot

    # Profiles ------------------------------------------------------------------------------

    async def create_profiles(
        self, ids: Sequence[str], at: float, golden: Mapping[str, GoldenRow] | None = None
    ) -> None:
        self._call("create_profiles")
        must_be_new("profile", list(self.state.profiles), ids)
        records = golden or {}
        for pid in ids:
            row = records.get(pid)
            self.state.profiles[pid] = StoredProfile(
                id=pid,
                ws=self.ws,
                created_at=at,
                updated_at=at,
                golden=row["golden"] if row else None,
                golden_at=at if row and row["golden"] is not None else None,
                plain={k: v for k, v in (row["plain"] if row else {}).items() if v is not None},
            )
        self.locked.update(ids)

    async def move_identifiers(self, rows: Sequence[MoveRow]) -> None:
        self._call("move_identifiers")
        for row in rows:
            if row["key"] in self.state.identifiers and row["profile"] in self.state.profiles:
                self.state.identifiers[row["key"]].profile = row["profile"]

    async def merge_profiles(self, rows: Sequence[MergeRow], at: float) -> None:
        self._call("merge_profiles")
        for row in rows:
            old = self.state.profiles.get(row["from_id"])
            if old is None or row["into_id"] not in self.state.profiles:
                continue
            old.status, old.merged_at, old.updated_at = "merged", at, at
            if old.merged_into != row["into_id"]:
                old.merged_into, old.merge_reason = row["into_id"], row["reason"]

    async def record_splits(self, rows: Sequence[SplitRow], at: float) -> None:
        self._call("record_splits")
        for row in rows:
            new = self.state.profiles.get(row["new_id"])
            if new is not None and row["from_id"] in self.state.profiles:
                new.split_from.setdefault(row["from_id"], (at, row["reason"]))

    async def touch_profiles(self, ids: Sequence[str], at: float) -> None:
        self._call("touch_profiles")
        for pid in set(ids):
            if pid in self.state.profiles:
                profile = self.state.profiles[pid]
                profile.updated_at, profile.version = at, profile.version + 1

    async def profile_representatives(self, ids: Sequence[str]) -> list[Representative]:
        self._call("profile_representatives")
        found = []
        for pid in ids:
            profile = self.state.profiles.get(pid)
            if profile is None or profile.ws != self.ws:
                continue
            active = self.state.follow_merges(profile)
            members = sorted(
                (i for i in self.state.identifiers.values() if i.profile == active.id),
                key=lambda i: (i.first_seen, i.key),
            )
            if members:
                found.append(
                    Representative(
                        requested=pid,
                        active=active.id,
                        status=active.status,
                        representative=members[0].key,
                    )
                )
        return found

    async def locked_representatives(self, ids: Sequence[str]) -> list[Representative]:
        reps = await self.profile_representatives(ids)
        await self.lock_profiles({r["active"] for r in reps})
        return reps


class InMemoryIdentityGraph:
    """One workspace's identity transactions over a shared in-memory graph. Writers take turns
    (one commits at a time); a failed transaction leaves the graph as it was."""

    def __init__(self, ws: str, state: IdentityState | None = None) -> None:
        self.ws = ws
        self.state = state if state is not None else IdentityState()
        #: Each transaction's queries, in order (what a test may check was asked, or not).
        self.transactions: list[list[str]] = []

    async def write(self, work: Callable[[InMemoryIdentityTx], Awaitable[T]]) -> T:
        async with self.state.turn:
            calls: list[str] = []
            self.transactions.append(calls)
            tx = InMemoryIdentityTx(self.state.copy(), self.ws, calls)
            result = await work(tx)
            # Committed: the copy becomes the graph (every workspace's graph sees it).
            vars(self.state).update(vars(tx.state))
            return result

    async def read_tx(self, work: Callable[[InMemoryIdentityTx], Awaitable[T]]) -> T:
        calls: list[str] = []
        self.transactions.append(calls)
        # Reads only (writes fail, as they do on Neo4j): the graph itself, uncopied.
        return await work(InMemoryIdentityTx(self.state, self.ws, calls, read_only=True))
