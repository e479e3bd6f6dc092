"""Blind-index rotation's queries (cypher/rekey/): progress and bookkeeping on their own,
re-sealing and renaming inside the rotation's identity transaction."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from app.adapters.identity_graph import IdentityGraph
from app.domain.devices import device_key
from app.ports.identity import IdentityTransaction
from app.ports.rekeying import (
    IdentifierRename,
    ObservationRekey,
    PendingIdentifier,
    RenameState,
    ResealedEvent,
    SealedEvent,
    StoredObservation,
)


def _moves(new_keys: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"key": k, "new_key": n} for k, n in new_keys.items()]


def _observation(row: Mapping[str, Any]) -> StoredObservation:
    return StoredObservation(
        key=row["key"],
        field=row["field"],
        vid=row["vid"],
        enc=row["enc"],
        source=row["source"],
        first_at=row["first_at"],
        at=row["at"],
        count=int(row["count"]),
        confidence=row["confidence"],
        event=row["event"],
    )


def _state(row: Mapping[str, Any]) -> RenameState:
    key = str(row["key"])
    return RenameState(
        key=key,
        present=bool(row["present"]),
        taken=bool(row["taken"]),
        events=[
            SealedEvent(str(e["id"]), e["enc"], str(e["owner"]), key)
            for e in row["events"]
            if e["id"]
        ],
        observations=[_observation(o) for o in row["observations"] if o["key"]],
    )


class Neo4jRekeyStore:
    def __init__(self, graph: IdentityGraph) -> None:
        self.graph = graph

    async def remaining(self, old_kids: Sequence[str]) -> tuple[int, int]:
        rows = await self.graph.read("rekey/remaining", old=list(old_kids))
        return int(rows[0]["remaining"]), int(rows[0]["blocked"])

    async def pending(
        self, old_kids: Sequence[str], held: Collection[str], limit: int
    ) -> list[PendingIdentifier]:
        rows = await self.graph.read(
            "rekey/pending", old=list(old_kids), held=sorted(held), limit=limit
        )
        return [PendingIdentifier(str(r["key"]), str(r["type"]), r["enc"]) for r in rows]

    async def held_keys(self) -> set[str]:
        rows = await self.graph.read("rekey/held_keys")
        return set(rows[0]["keys"]) if rows else set()

    async def block(self, reasons: Mapping[str, str]) -> None:
        rows = [{"key": k, "reason": r} for k, r in reasons.items()]
        await self.graph.run_write("rekey/block", rows=rows)

    async def unblock(self) -> None:
        await self.graph.run_write("rekey/unblock")

    async def events_to_reseal(self, new_keys: Mapping[str, str], limit: int) -> list[SealedEvent]:
        rows = await self.graph.read("rekey/events_to_reseal", rows=_moves(new_keys), limit=limit)
        return [
            SealedEvent(str(r["id"]), r["enc"], str(r["owner"]), str(r["identifier"])) for r in rows
        ]

    async def settle(self, kid: str, at: float) -> None:
        await self.graph.run_write("rekey/settle", kid=kid, at=at)

    async def settled(self) -> str | None:
        rows = await self.graph.read("rekey/settled")
        return rows[0]["kid"] if rows else None

    async def held_keys_in(self, tx: IdentityTransaction) -> set[str]:
        rows = await tx.run("rekey/held_keys")
        return set(rows[0]["keys"]) if rows else set()

    async def reseal_events(self, tx: IdentityTransaction, rows: Sequence[ResealedEvent]) -> None:
        await tx.run("rekey/reseal_events", rows=list(rows))

    async def rename_states(
        self, tx: IdentityTransaction, new_keys: Mapping[str, str]
    ) -> list[RenameState]:
        return [_state(r) for r in await tx.run("rekey/rename_state", rows=_moves(new_keys))]

    async def rekey_observations(
        self, tx: IdentityTransaction, rows: Sequence[ObservationRekey]
    ) -> None:
        await tx.run("rekey/rekey_observations", rows=list(rows))

    async def rename_identifiers(
        self, tx: IdentityTransaction, rows: Sequence[IdentifierRename]
    ) -> set[str]:
        renamed = await tx.run("rekey/rename_identifiers", rows=list(rows))
        # Their devices' keys derive from theirs: they move along.
        moves = [{"old": device_key(r["key"]), "new": device_key(r["new_key"])} for r in rows]
        await tx.run("devices/rename", rows=moves)
        return set(renamed[0]["profiles"]) if renamed else set()

    async def orient_edges(self, tx: IdentityTransaction, keys: Sequence[str]) -> None:
        await tx.run("rekey/orient_linked", keys=list(keys))
        await tx.run("rekey/orient_never", keys=list(keys))
