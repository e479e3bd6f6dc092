"""Subject access: everything held on a person, decrypted, with provenance and consent history.

The export is one JSON document: the profile and the profiles merged into it, every identifier
with its value, the devices its identifiers were seen on, the golden record, every trait
observation with its source and time, the consent decisions and the effective consent, and
every event with its payload. A value whose data key was destroyed appears as
`{"unavailable": reason}`, never as a crash.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from app.errors import NotFound
from app.ports.subject import SealedEvent, SubjectStore
from app.privacy import DecryptionError
from app.services.identity.curation import CurationService
from app.services.identity.keys import Sealer
from app.services.privacy.audit import AuditLog
from app.services.privacy.consent import ConsentService
from app.services.profiles.devices import DeviceService
from app.services.profiles.service import (
    INTEGRITY_FAILED,
    KEY_DESTROYED,
    ProfileService,
    Unreadable,
)

FORMAT = "cdp.subject-export/1"
PAGE = 1000


class SubjectExporter:
    def __init__(
        self,
        store: SubjectStore,
        ws: str,
        sealer: Sealer,
        curation: CurationService,
        profiles: ProfileService,
        consent: ConsentService,
        audit: AuditLog,
        clock: Callable[[], float] = time.time,
        devices: DeviceService | None = None,
    ) -> None:
        self.store = store
        self.ws = ws
        self.sealer = sealer
        self.curation = curation
        self.profiles = profiles
        self.consent = consent
        self.audit = audit
        self.clock = clock
        self.devices = devices

    async def export(self, type: str, value: str, by: str) -> dict[str, Any]:
        found = await self.curation.find(type, value)
        if found is None or found["profile"] is None:
            raise NotFound(f"no {type} identifier with that value in this workspace")
        document = await self.export_profile(str(found["profile"]))
        await self.audit.record(
            by,
            "subject.exported",
            document["profile"]["id"],
            {"events": len(document["events"]), "identifiers": len(document["identifiers"])},
        )
        return document

    async def export_profile(self, profile_id: str) -> dict[str, Any]:
        view = await self.profiles.profile(profile_id)
        if view is None:
            raise NotFound("no profile with that id in this workspace")
        active = view.merged_into or view.id
        merged = await self.store.merged_profiles(active)
        identifiers = await self.profiles.identifiers(active)
        history = await self.consent.history(active)
        return {
            "format": FORMAT,
            "workspace": self.ws,
            "exported_at": self.clock(),
            "profile": {
                "id": active,
                "status": "active",
                "created_at": view.created_at,
                "updated_at": view.updated_at,
                "merged_profiles": merged,
            },
            "identifiers": [
                {
                    "type": i.type,
                    "value": i.value if i.value is not None else {"unavailable": KEY_DESTROYED},
                    "first_seen": i.first_seen,
                    "last_seen": i.last_seen,
                    "events": i.events,
                    "generic": i.generic,
                    "blocked": i.blocked,
                }
                for i in identifiers
            ],
            "devices": await self.devices.export(active) if self.devices else [],
            "traits": await self.profiles.traits(active, reveal=True),
            "trait_observations": await self._observations(active),
            "consent": {
                "effective": [
                    {"purpose": v.purpose, "allowed": v.allowed, "reason": v.reason}
                    for v in await self.consent.effective(active)
                ],
                "history": [asdict(d) for d in history],
            },
            "events": await self._events(active),
        }

    async def _observations(self, profile_id: str) -> list[dict[str, Any]]:
        rows = await self.store.observations(profile_id)
        types = {i.key: i.type for i in await self.profiles.identifiers(profile_id)}
        opened = await self.profiles.open_observations([r.key for r in rows])
        out = []
        for r in sorted(rows, key=lambda r: (r.field, r.at, r.key)):
            value = opened.get(r.key)
            out.append(
                {
                    "field": r.field,
                    "value": {"unavailable": value.reason}
                    if isinstance(value, Unreadable)
                    else value,
                    "source": r.source,
                    "first_at": r.first_at,
                    "at": r.at,
                    "count": r.count,
                    "confidence": r.confidence,
                    "event": r.event,
                    "identifier_type": types.get(r.identifier),
                }
            )
        return out

    async def _events(self, profile_id: str) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        after = ""
        while True:
            rows = await self.store.events(profile_id, after, PAGE)
            if not rows:
                return events
            after = rows[-1].id
            keys = await self.sealer.data_keys(sorted({r.owner for r in rows}), create=False)
            for r in rows:
                events.append(
                    {
                        "id": r.id,
                        "type": r.type,
                        "name": r.name,
                        "at": r.at,
                        "received_at": r.received_at,
                        "source": r.source,
                        "flags": list(r.flags),
                        "identifier_type": r.owner_type,
                        "payload": self._open(keys.get(r.owner), r),
                    }
                )

    def _open(self, data_key: bytes | None, event: SealedEvent) -> Any:
        if data_key is None:
            return {"unavailable": KEY_DESTROYED}
        try:
            return self.sealer.open(
                data_key, event.enc, owner=event.owner, field=f"event:{event.id}"
            )
        except DecryptionError:
            return {"unavailable": INTEGRITY_FAILED}
