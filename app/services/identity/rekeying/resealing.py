"""Re-sealing under an identifier's new key: its events' payloads and its trait observations
(personal values get their value id under the new kid). Pure work on rows, no query."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from app.domain.traits.values import canonical_json
from app.ports.rekeying import ObservationRekey, ResealedEvent, SealedEvent, StoredObservation
from app.privacy import PrivacyError
from app.services.identity.keys import IdentifierKey, Sealer
from app.services.profiles.traits import observation_key


@dataclass
class Target:
    """One identifier being moved: its keys under the old and the current kid."""

    old: IdentifierKey
    new: IdentifierKey
    type: str
    value: str


@dataclass
class StepResult:
    """What one batch decided, to act on after its transaction commits."""

    renamed: list[Target] = field(default_factory=list)
    dropped: list[Target] = field(default_factory=list)  # held or vanished: new key unused
    blocked: dict[str, str] = field(default_factory=dict)  # old key -> reason
    held: int = 0
    vanished: int = 0
    events: int = 0
    observations: int = 0
    profiles: int = 0

    def add(self, other: StepResult) -> None:
        """Fold in what a later part of the same step decided."""
        self.renamed += other.renamed
        self.dropped += other.dropped
        self.blocked |= other.blocked
        self.held += other.held
        self.vanished += other.vanished
        self.events += other.events
        self.observations += other.observations
        self.profiles += other.profiles


class Resealer:
    def __init__(self, sealer: Sealer) -> None:
        self.sealer = sealer

    async def keys_for(
        self, events: Iterable[SealedEvent], targets: Iterable[Target]
    ) -> dict[str, bytes]:
        """In one key-store read: the data keys that open these events and the targets' old
        and new keys."""
        owners = {e.owner for e in events}
        owners |= {k for t in targets for k in (t.old.key, t.new.key)}
        return await self.sealer.data_keys(sorted(owners), create=False)

    def reseal(
        self,
        rows: Iterable[SealedEvent],
        targets: Mapping[str, Target],
        keys: Mapping[str, bytes],
    ) -> tuple[list[ResealedEvent], set[str]]:
        """Events sealed again for their identifier's new key; and the identifiers with an
        event that cannot be opened."""
        resealed: list[ResealedEvent] = []
        failed: set[str] = set()
        for row in rows:
            ident, owner, eid = row.identifier, row.owner, row.id
            if ident not in targets or ident in failed:
                continue
            new = targets[ident].new.key
            try:
                payload = self.sealer.open(keys[owner], row.enc, owner=owner, field=f"event:{eid}")
            except (KeyError, PrivacyError):
                failed.add(ident)
                continue
            enc = self.sealer.seal(keys[new], payload, owner=new, field=f"event:{eid}")
            resealed.append(ResealedEvent(id=eid, enc=enc, owner=new, identifier=ident))
        return resealed, failed

    def rekey_observations(
        self, target: Target, rows: Sequence[StoredObservation], keys: Mapping[str, bytes]
    ) -> list[ObservationRekey] | None:
        """Observation rows under the new key (personal values re-sealed and re-indexed; the
        same value seen under both kids merged into one); None if one cannot be opened."""
        old, new = target.old.key, target.new.key
        merged: dict[str, ObservationRekey] = {}
        out: list[ObservationRekey] = []
        for row in sorted((r for r in rows if r.key), key=lambda r: r.key):
            if row.enc is not None:
                try:
                    value = self.sealer.open(
                        keys[old], row.enc, owner=old, field=f"trait:{row.key}"
                    )
                except (KeyError, PrivacyError):
                    return None
                vid = self.sealer.value_id(new, row.field, canonical_json(value))
                okey = observation_key(new, row.field, vid, row.source)
                enc: str | None = self.sealer.seal(
                    keys[new], value, owner=new, field=f"trait:{okey}"
                )
            else:
                vid, enc = str(row.vid), None
                okey = observation_key(new, row.field, vid, row.source)
            entry = ObservationRekey(
                old=row.key,
                key=okey,
                vid=vid,
                enc=enc,
                count=row.count,
                first_at=row.first_at,
                at=row.at,
                confidence=row.confidence,
                event=row.event,
                keep=okey not in merged,
            )
            keeper = merged.setdefault(okey, entry)
            if keeper is not entry:
                keeper["count"] += entry["count"]
                keeper["first_at"] = min(keeper["first_at"], entry["first_at"])
                if entry["at"] > keeper["at"]:
                    keeper["at"], keeper["event"] = entry["at"], entry["event"]
                keeper["confidence"] = max(keeper["confidence"], entry["confidence"])
            out.append(entry)
        return out
