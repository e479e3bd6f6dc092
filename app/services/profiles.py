"""Reading profiles: status and lineage, identifiers (decrypted), event counts, traits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.adapters.identity_graph import IdentityGraph
from app.privacy import DecryptionError
from app.services.curation import CurationService
from app.services.keys import Sealer

#: How many identify calls the interim most-recent-wins traits look at.
TRAIT_EVENTS = 200


@dataclass(frozen=True)
class IdentifierView:
    key: str
    type: str
    value: str | None  # None once its data key was destroyed (erasure)
    first_seen: float
    last_seen: float
    events: int
    generic: bool
    blocked: bool


@dataclass(frozen=True)
class ProfileView:
    id: str
    status: str
    merged_into: str | None
    created_at: float
    updated_at: float
    version: int


class ProfileService:
    def __init__(self, graph: IdentityGraph, sealer: Sealer, curation: CurationService) -> None:
        self.graph = graph
        self.sealer = sealer
        self.curation = curation

    async def profile(self, profile_id: str) -> ProfileView | None:
        rows = await self.graph.read("identity/profile_by_id", id=profile_id)
        if not rows:
            return None
        row = rows[0]
        return ProfileView(
            id=row["id"],
            status=row["status"],
            merged_into=row["merged_into"],
            created_at=float(row["created_at"]),
            updated_at=float(row["updated_at"]),
            version=int(row["version"]),
        )

    async def profile_by_identifier(self, type: str, value: str) -> ProfileView | None:
        key = await self.curation.find_key(type, value)
        if key is None:
            return None
        rows = await self.graph.read("identity/find_identifiers", keys=[key])
        profile_id = rows[0]["profile"] if rows else None
        return await self.profile(profile_id) if profile_id else None

    async def identifiers(self, profile_id: str) -> list[IdentifierView]:
        rows = await self.graph.read("identity/profile_members", id=profile_id)
        keys = await self.sealer.data_keys([r["key"] for r in rows], create=False)
        return [
            IdentifierView(
                key=r["key"],
                type=r["type"],
                value=self._open_value(keys.get(r["key"]), r["enc"], r["key"]),
                first_seen=float(r["first_seen"]),
                last_seen=float(r["last_seen"]),
                events=int(r["events"]),
                generic=bool(r["generic"]),
                blocked=bool(r["blocked"]),
            )
            for r in rows
        ]

    def _open_value(self, data_key: bytes | None, token: str | None, owner: str) -> str | None:
        if data_key is None or token is None:
            return None
        try:
            return str(self.sealer.open(data_key, token, owner=owner, field="value"))
        except DecryptionError:
            return None

    async def event_count(self, profile_id: str) -> int:
        rows = await self.graph.read("identity/profile_event_count", id=profile_id)
        return int(rows[0]["events"]) if rows else 0

    async def traits(self, profile_id: str) -> dict[str, Any]:
        """Most recent value per trait across the profile's identify calls.

        Interim rule until field survivorship lands: newest identify wins, per trait.
        """
        rows = await self.graph.read(
            "identity/profile_identify_traits", id=profile_id, limit=TRAIT_EVENTS
        )
        keys = await self.sealer.data_keys([r["owner"] for r in rows], create=False)
        golden: dict[str, Any] = {}
        for row in rows:  # newest first: the first value seen for a trait wins
            data_key = keys.get(row["owner"])
            if data_key is None:
                continue
            try:
                payload = self.sealer.open(
                    data_key, row["enc"], owner=row["owner"], field=f"event:{row['id']}"
                )
            except DecryptionError:
                continue
            for name, value in (payload.get("traits") or {}).items():
                golden.setdefault(name, value)
        return golden
