"""Trait observations and golden records: the graph side of survivorship.

An identify call (or context.traits, or a mapped track property, or a manual edit) becomes
observations hung off the identifier it came with, one node per (identifier, field, value,
source) with counts and times, so merges and splits move them for free. After every change the
affected profiles' golden records are decided by `app.domain.traits` and materialised: plain
fields as `t_<field>` properties (queryable), the whole record with provenance as JSON.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from app.domain.identity import IdentityRules, anchor, profile_bonds
from app.domain.messages import TrackedMessage
from app.domain.traits import (
    MANUAL,
    Decision,
    Observation,
    TraitError,
    TraitField,
    TraitSchema,
    canonical_json,
    coerce,
    golden_record,
    normalise_name,
)
from app.ports.identity import IdentityTx
from app.ports.identity_rows import GoldenRow, ObservationRow
from app.ports.profiles import GoldenEntry, TraitEvidence
from app.services.identity.keys import Sealer

TRUST_CACHE_SECONDS = 30.0


@dataclass(frozen=True)
class ObservedTrait:
    """One sighting, ready to be written (personal values already sealed)."""

    key: str
    owner: str
    field: str
    vid: str
    value: str | None
    enc: str | None
    source: str
    at: float
    confidence: float
    event: str


def observation_key(owner: str, field: str, vid: str, source: str) -> str:
    digest = hashlib.sha256(vid.encode()).hexdigest()[:32]
    return f"{owner}:{field}:{digest}:{source}"


class TraitObserver:
    """Turns messages and manual edits into observations under a given trait schema."""

    def __init__(self, sealer: Sealer) -> None:
        self.sealer = sealer

    @staticmethod
    def raw_traits(message: TrackedMessage, schema: TraitSchema) -> list[tuple[str, Any]]:
        """(name, value) pairs the message asserts about the person."""
        pairs: list[tuple[str, Any]] = []
        context_traits = message.context.get("traits")
        if isinstance(context_traits, Mapping):
            pairs.extend(context_traits.items())
        if message.type == "identify":
            pairs.extend(message.traits.items())
        zone = message.context.get("timezone")
        if isinstance(zone, str) and schema.classify("timezone") is not None:
            pairs.append(("timezone", zone))  # analytics.js and the mobile SDKs send it
        if message.type == "track" and message.event:
            for mapping in schema.mappings_for(message.event):
                if mapping.property in message.properties:
                    pairs.append((mapping.field, message.properties[mapping.property]))
        return pairs

    def observe(
        self,
        pairs: Iterable[tuple[str, Any]],
        schema: TraitSchema,
        *,
        owner: str,
        data_key: bytes,
        source: str,
        at: float,
        event: str,
        confidence: float = 1.0,
    ) -> tuple[list[ObservedTrait], list[str]]:
        """Observations of the pairs, and flags for the ones refused (names, never values)."""
        found: list[ObservedTrait] = []
        flags: list[str] = []
        for raw_name, raw_value in pairs:
            if raw_value is None:
                continue
            try:
                field = schema.classify(raw_name) or schema.decide_undeclared(raw_name, raw_value)
                if field is None:
                    continue
                value = coerce(field, raw_value)
            except TraitError:
                flags.append(f"trait_refused:{normalise_name(raw_name) or 'invalid_name'}")
                continue
            found.append(
                self._sighting(field, value, owner, data_key, source, at, event, confidence)
            )
        return found, flags

    def _sighting(
        self,
        field: TraitField,
        value: Any,
        owner: str,
        data_key: bytes,
        source: str,
        at: float,
        event: str,
        confidence: float,
    ) -> ObservedTrait:
        text = canonical_json(value)
        if field.pii == "personal":
            vid = self.sealer.value_id(owner, field.name, text)
            key = observation_key(owner, field.name, vid, source)
            enc = self.sealer.seal(data_key, value, owner=owner, field=f"trait:{key}")
            return ObservedTrait(
                key, owner, field.name, vid, None, enc, source, at, confidence, event
            )
        key = observation_key(owner, field.name, text, source)
        return ObservedTrait(
            key, owner, field.name, text, text, None, source, at, confidence, event
        )


def observation_rows(observed: Iterable[ObservedTrait]) -> list[ObservationRow]:
    """Aggregate a batch's sightings per observation node (counts, first and last time)."""
    rows: dict[str, ObservationRow] = {}
    for o in observed:
        row = rows.get(o.key)
        if row is None:
            rows[o.key] = ObservationRow(
                key=o.key,
                owner=o.owner,
                field=o.field,
                vid=o.vid,
                value=o.value,
                enc=o.enc,
                source=o.source,
                first=o.at,
                last=o.at,
                count=1,
                confidence=o.confidence,
                event=o.event,
            )
            continue
        row["count"] += 1
        row["first"] = min(row["first"], o.at)
        row["confidence"] = max(row["confidence"], o.confidence)
        if (o.at, o.event) >= (row["last"], row["event"]):
            row["last"], row["event"] = o.at, o.event
    return [rows[k] for k in sorted(rows)]


class GoldenRecords:
    """Decides and materialises golden records inside the caller's transaction."""

    def __init__(
        self,
        schemas: Callable[[], Awaitable[TraitSchema]],
        trusts: Callable[[], Awaitable[Mapping[str, float]]],
        clock: Callable[[], float] = time.time,
        cache_seconds: float = TRUST_CACHE_SECONDS,
        rules: IdentityRules | None = None,
    ) -> None:
        self._schemas = schemas
        self._trusts = trusts
        #: The identity rules: which identifier anchors a profile (where bonds start).
        self.rules = rules or IdentityRules()
        self._cached: tuple[float, TraitSchema] | None = None
        #: Sources asked for and absent at the last read of the trusts.
        self._missing: set[str] = set()
        self.clock = clock
        #: How long the schema and trusts read are held (re-decision runs wait this long).
        self.cache_seconds = cache_seconds

    async def effective_schema(self, sources: Iterable[str] = ()) -> TraitSchema:
        """The current schema with each source's trust weight (configured trusts win).

        Read again at once when one of `sources` is unknown to the copy held: a source created
        since (by another process, usually the API) has its trust from its first event, not
        the default for up to `cache_seconds`. A source still unknown after a read (an
        import's source name, a deleted source) is remembered until the copy expires, so it
        does not cost a read per batch."""
        now = time.monotonic()
        cached = self._cached
        if cached is not None and now - cached[0] < self.cache_seconds:
            known = cached[1].source_trust
            if all(s in known or s in self._missing or s == MANUAL for s in sources):
                return cached[1]
        else:
            self._missing = set()
        base = await self._schemas()
        trusts = {**await self._trusts(), **base.source_trust}
        schema = dataclasses.replace(base, source_trust=trusts)
        self._cached = (now, schema)
        self._missing |= {s for s in sources if s not in trusts}
        return schema

    def forget(self) -> None:
        """Reload the schema and trusts on next use (after an edit in this process)."""
        self._cached = None

    async def refresh(
        self, tx: IdentityTx, profile_ids: Iterable[str], at: float
    ) -> dict[str, set[str]]:
        """Re-decide the golden records; returns, per profile, the fields whose winning value
        changed (absent: nothing changed)."""
        ids = sorted(set(profile_ids))
        if not ids:
            return {}
        # Read after the locks: a writer holding one of them may be adding observations,
        # or moving identifiers and edges (the bonds).
        await tx.lock_profiles(ids)
        evidence = await tx.profile_evidence(ids)
        # The edges weigh only observations off a profile's anchor: most records need none.
        bonded = sorted(pid for pid, found in evidence.items() if self.needs_bonds(found))
        if bonded:
            links = await tx.profile_links(bonded)
            for pid in bonded:
                evidence[pid] = dataclasses.replace(evidence[pid], links=links.get(pid, ()))
        by_profile = {pid: list(evidence.get(pid, TraitEvidence()).observations) for pid in ids}
        sources = {o.source for found in by_profile.values() for o in found}
        schema = await self.effective_schema(sources)
        rows = self.records(by_profile, schema, self.bonds(evidence.values()))
        before = await tx.set_golden(rows, at)
        return changed_fields(rows, before)

    def bonds(self, evidence: Iterable[TraitEvidence]) -> dict[str, float]:
        """The bond of every identifier of these profiles that weighs an observation, by
        identifier key (one left out is bonded in full: the anchor, or an identifier with no
        observation of a source other than `manual`)."""
        found: dict[str, float] = {}
        for profile in evidence:
            if self.needs_bonds(profile):
                found |= profile_bonds(profile.members, profile.links, self.rules)
        return found

    def needs_bonds(self, profile: TraitEvidence) -> bool:
        """Whether an observation of this profile lies off its anchor (a source's, not a
        manual edit's): only then do its edges weigh anything."""
        observed = {o.identifier for o in profile.observations if o.source != MANUAL}
        if len(profile.members) < 2 or not observed:
            return False  # alone, an identifier is its profile's anchor
        first = anchor(profile.members, self.rules)
        return first is not None and not observed <= {first.key}

    def records(
        self,
        observations: Mapping[str, Iterable[Observation]],
        schema: TraitSchema,
        bonds: Mapping[str, float] | None = None,
    ) -> list[GoldenRow]:
        """The golden record rows (id, plain, golden) of profiles with these observations,
        each weighed by its identifier's bond (by key; 1.0 for a key `bonds` does not name)."""
        return [
            self._golden_row(pid, golden_record(schema, found, bonds), schema)
            for pid, found in sorted(observations.items())
        ]

    def _golden_row(
        self, pid: str, decisions: Mapping[str, Decision], schema: TraitSchema
    ) -> GoldenRow:
        plain: dict[str, Any] = {f"t_{f.name}": None for f in schema.fields if f.pii == "plain"}
        golden: dict[str, GoldenEntry] = {}
        for name, decision in sorted(decisions.items()):
            field = schema.classify(name) or schema.decide_undeclared(name, decision.winner.value)
            personal = field is not None and field.pii == "personal"
            winner = decision.winner
            golden[name] = GoldenEntry(
                vid=winner.value_id,
                value=None if personal else winner.value,
                personal=personal,
                source=winner.source,
                at=winner.at,
                weight=winner.weight,
                strategy=decision.strategy,
                observation=winner.observation_ids[0] if winner.observation_ids else None,
                bond=winner.bond,
            )
            if not personal:
                plain[f"t_{name}"] = property_value(winner.value)
        return GoldenRow(id=pid, plain=plain, golden=orjson.dumps(golden).decode())


def changed_fields(
    rows: Iterable[GoldenRow], before: Mapping[str, str | None]
) -> dict[str, set[str]]:
    """Per profile of the golden `rows`, the fields whose winner differs from its record
    `before` (JSON, or None for a profile that had none); profiles without a change left out."""
    changed: dict[str, set[str]] = {}
    for row in rows:
        fields = _changed_fields(before.get(row["id"]), row["golden"])
        if fields:
            changed[row["id"]] = fields
    return changed


def _changed_fields(before: str | None, after: str) -> set[str]:
    old: dict[str, Any] = orjson.loads(before) if before else {}
    new: dict[str, Any] = orjson.loads(after)
    return {
        name
        for name in set(old) | set(new)
        if (old.get(name) or {}).get("vid") != (new.get(name) or {}).get("vid")
    }


def property_value(value: Any) -> Any:
    """Neo4j stores scalars and homogeneous lists; anything else is kept as JSON text."""
    if isinstance(value, list | tuple):
        items = list(value)
        if items and len({type(i) for i in items}) == 1:
            return items
        return orjson.dumps(items).decode()
    return value


def observation_of_batch(row: ObservationRow) -> Observation:
    """An observation as a batch's aggregated row (:func:`observation_rows`) says it is (for
    an identifier first seen in the batch, that is all there is of it)."""
    return Observation(
        field=row["field"],
        value_id=row["vid"],
        value=orjson.loads(row["value"]) if row["value"] is not None else None,
        source=row["source"],
        at=float(row["last"]),
        confidence=float(row["confidence"]),
        count=int(row["count"]),
        first_at=float(row["first"]),
        identifier=row["owner"],
        observation_id=row["key"],
        event_id=row["event"] or "",
    )
