"""The in-memory identity transaction's records: events, devices and their sightings, trait
observations, golden records and consents, as cypher/identity/create_events, cypher/devices/,
cypher/traits/ and cypher/consent/record store them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from app.adapters.trait_rows import evidence_by_profile
from app.domain.identity import Link
from app.ports.identity_rows import ConsentRow, EventRow, GoldenRow, ObservationRow
from app.ports.profiles import TraitEvidence
from tests.fakes.identity_state import IdentityState, StoredIdentifier, must_be_new


class RecordQueries:
    """The record-keeping queries of `InMemoryIdentityTx`."""

    state: IdentityState
    ws: str

    def _call(self, name: str) -> None:
        raise NotImplementedError

    async def create_events(self, rows: Sequence[EventRow]) -> None:
        self._call("create_events")
        must_be_new("event", list(self.state.events), [r["id"] for r in rows])
        for row in rows:
            owner = row["owner"] if row["owner"] in self.state.identifiers else None
            self.state.events[row["id"]] = {**row, "ws": self.ws, "owner": owner}

    async def record_sightings(
        self, devices: Sequence[Mapping[str, Any]], seen: Sequence[Mapping[str, Any]]
    ) -> None:
        self._call("record_sightings")
        for row in devices:
            device = self.state.devices.get(row["key"])
            if device is None:
                self.state.devices[row["key"]] = {
                    "ws": self.ws,
                    "kind": row["kind"],
                    "first_seen": row["first"],
                    "last_seen": row["last"],
                    "events": row["events"],
                    **{k: v for k, v in row["facts"].items() if v is not None},
                }
                continue
            if row["last"] >= device["last_seen"]:
                # `d += facts`: a fact given as null removes the stored one.
                for name, value in row["facts"].items():
                    if value is None:
                        device.pop(name, None)
                    else:
                        device[name] = value
            device["first_seen"] = min(device["first_seen"], row["first"])
            device["last_seen"] = max(device["last_seen"], row["last"])
            device["events"] += row["events"]
        for row in seen:
            edge = (row["identifier"], row["device"])
            if row["identifier"] not in self.state.identifiers or edge[1] not in self.state.devices:
                continue
            found = self.state.seen_on.setdefault(
                edge, {"first_seen": row["first"], "last_seen": row["last"], "count": 0}
            )
            found["first_seen"] = min(found["first_seen"], row["first"])
            found["last_seen"] = max(found["last_seen"], row["last"])
            found["count"] += row["count"]

    async def create_observations(self, rows: Sequence[ObservationRow]) -> None:
        self._call("create_observations")
        rows = [r for r in rows if r["owner"] in self.state.identifiers]
        must_be_new("observation", list(self.state.observations), [r["key"] for r in rows])
        for row in rows:
            self.state.observations[row["key"]] = _observation(row, self.ws)

    async def merge_observations(self, rows: Sequence[ObservationRow]) -> set[str]:
        self._call("merge_observations")
        owners: set[str] = set()
        for row in rows:
            if row["owner"] not in self.state.identifiers:
                continue
            owners.add(row["owner"])
            seen = self.state.observations.get(row["key"])
            if seen is None:
                self.state.observations[row["key"]] = _observation(row, self.ws)
                continue
            seen["count"] += row["count"]
            if row["last"] >= seen["at"]:
                seen["event"] = row["event"]
            seen["first_at"] = min(seen["first_at"], row["first"])
            seen["at"] = max(seen["at"], row["last"])
            seen["confidence"] = max(seen["confidence"], row["confidence"])
        profiles = (self.state.identifiers[k].profile for k in owners)
        return {p for p in profiles if p is not None}

    def _profile_members(self, pid: str) -> list[StoredIdentifier]:
        profile = self.state.profiles.get(pid)
        if profile is None or profile.ws != self.ws:
            return []
        return [i for i in self.state.identifiers.values() if i.profile == pid]

    async def profile_evidence(self, profile_ids: Sequence[str]) -> dict[str, TraitEvidence]:
        self._call("profile_evidence")
        members = []
        for pid in profile_ids:
            rows = [
                {
                    "profile": pid,
                    "key": i.key,
                    "type": i.type,
                    "first_seen": i.first_seen,
                    "blocked": i.blocked,
                    "generic": i.generic,
                    "observations": [
                        {**o, "key": okey}
                        for okey, o in self.state.observations.items()
                        if o["owner"] == i.key
                    ],
                }
                for i in self._profile_members(pid)
            ]
            if any(r["observations"] for r in rows):
                members += rows
        return evidence_by_profile(members)

    async def profile_links(self, profile_ids: Sequence[str]) -> dict[str, tuple[Link, ...]]:
        self._call("profile_links")
        found: dict[str, tuple[Link, ...]] = {}
        for pid in profile_ids:
            keys = {i.key for i in self._profile_members(pid)}
            links = tuple(
                Link(a, b, rule)
                for (a, b, rule), link in self.state.links.items()
                if a in keys and link.followed
            )
            if links:
                found[pid] = links
        return found

    async def set_golden(self, rows: Sequence[GoldenRow], at: float) -> dict[str, str | None]:
        self._call("set_golden")
        before: dict[str, str | None] = {}
        for row in rows:
            profile = self.state.profiles.get(row["id"])
            if profile is None:
                continue
            before[row["id"]] = profile.golden
            for name, value in row["plain"].items():
                if value is None:
                    profile.plain.pop(name, None)
                else:
                    profile.plain[name] = value
            profile.golden, profile.golden_at = row["golden"], at
        return before

    async def record_consents(self, rows: Sequence[ConsentRow]) -> tuple[int, set[str]]:
        self._call("record_consents")
        s = self.state
        # The query reads every row's previous decision before it writes any (an aggregation).
        kept = [r for r in rows if r["owner"] in s.identifiers and _changes(s.consents, r)]
        recorded = 0
        for row in kept:
            if row["id"] not in s.consents:
                s.consents[row["id"]] = {**row, "ws": self.ws}
                recorded += 1
        profiles = (s.identifiers[r["owner"]].profile for r in kept)
        return recorded, {p for p in profiles if p is not None}


def _observation(row: ObservationRow, ws: str) -> dict[str, Any]:
    return {
        "ws": ws,
        "owner": row["owner"],
        "field": row["field"],
        "vid": row["vid"],
        "value": row["value"],
        "enc": row["enc"],
        "source": row["source"],
        "first_at": row["first"],
        "at": row["last"],
        "count": row["count"],
        "confidence": row["confidence"],
        "event": row["event"],
    }


def _changes(consents: Mapping[str, Mapping[str, Any]], row: ConsentRow) -> bool:
    """An explicit decision, or one that differs from the identifier's latest before it."""
    if row["explicit"]:
        return True
    earlier = [
        c
        for c in consents.values()
        if c["owner"] == row["owner"]
        and c["purpose"] == row["purpose"]
        and c["at"] <= row["at"]
        and c["id"] != row["id"]
    ]
    if not earlier:
        return True
    return bool(max(earlier, key=lambda c: c["at"])["granted"] != row["granted"])
