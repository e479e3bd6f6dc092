"""A prepared batch's rows, sealed before its transaction: identifiers, evidence, trait
observations, consent decisions, events and devices, and the components made only of new
identifiers decided ahead, with their profiles' golden records."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import orjson

from app.domain.consent import ConsentPolicy
from app.domain.identity import Evidence, IdentityRules, Node, cluster_bonds
from app.domain.traits import Observation, TraitSchema
from app.ports.identity_rows import (
    ConsentRow,
    EventRow,
    EvidenceRow,
    GoldenRow,
    IdentifierRow,
    LinkRow,
    ObservationRow,
    PlacedIdentifierRow,
)
from app.services.identity.ingestion.devices import DeviceRows, device_rows
from app.services.identity.ingestion.prepare import PreparedMessage
from app.services.identity.keys import IdentifierKey, Sealer
from app.services.identity.resolution import Decision, decide, new_components
from app.services.privacy.consent import message_consent_rows
from app.services.profiles.traits import (
    GoldenRecords,
    ObservedTrait,
    TraitObserver,
    observation_of_batch,
    observation_rows,
)


@dataclass(frozen=True)
class GraphRows:
    """A batch's identifier, evidence and observation rows as written: those of the decided
    components are created (identifiers attached to their profiles, edges with their states),
    the others merged."""

    created: list[PlacedIdentifierRow]
    merged: list[IdentifierRow]
    links: list[LinkRow]
    evidence: list[EvidenceRow]
    sightings: list[ObservationRow]  # of created identifiers
    observations: list[ObservationRow]


@dataclass(frozen=True)
class SealedBatch:
    """A prepared batch's rows, built before the lock."""

    identifiers: dict[str, IdentifierRow]  # node key -> row
    observed: list[ObservedTrait]
    observations: list[ObservationRow]  # of every prepared message, aggregated
    consents: list[ConsentRow]
    events: dict[str, EventRow]  # event id -> row
    evidence: list[EvidenceRow]  # of every prepared message
    #: the components made only of identifiers not stored when read, decided
    decided: list[Decision]
    #: golden record rows of the decided components' profiles, by profile id
    golden: dict[str, GoldenRow]
    #: the identifier and evidence rows as written if every message is new and every
    #: decision holds under the lock (the common case)
    rows: GraphRows
    #: the devices and SEEN_ON rows as written if every message is new
    devices: DeviceRows


def graph_rows(
    identifiers: dict[str, IdentifierRow],
    evidence: Iterable[EvidenceRow],
    observations: list[ObservationRow],
    decided: list[Decision],
) -> GraphRows:
    """Split the rows: the decided components' identifiers get their profile and generic
    flag, their edges (a component holds both ends of each) their decided state, and their
    observations are created."""
    placed = {
        k: (p, k in d.clustering.generic) for d in decided for k, p in d.assignment.moves.items()
    }
    states = {(r["a"], r["b"], r["rule"]): r for d in decided for r in d.link_rows}
    created = [
        PlacedIdentifierRow(**identifiers[k], profile=placed[k][0], generic=placed[k][1])
        for k in sorted(identifiers)
        if k in placed
    ]
    merged = [identifiers[k] for k in sorted(identifiers) if k not in placed]
    links: list[LinkRow] = []
    rest: list[EvidenceRow] = []
    for row in evidence:
        if row["a"] not in placed:
            rest.append(row)
            continue
        state = states.get((row["a"], row["b"], row["rule"]))
        links.append(
            LinkRow(
                **row,
                followed=state["followed"] if state else False,
                refusal=state["refusal"] if state else None,
            )
        )
    sightings = [row for row in observations if row["owner"] in placed]
    others = [row for row in observations if row["owner"] not in placed]
    return GraphRows(created, merged, links, rest, sightings, others)


class RowBuilder:
    """Seals a prepared batch into its rows; pure CPU work, run in a thread by the service."""

    def __init__(
        self,
        sealer: Sealer,
        rules: IdentityRules,
        observer: TraitObserver,
        golden: GoldenRecords,
        consent: ConsentPolicy,
    ) -> None:
        self.sealer = sealer
        self.rules = rules
        self.observer = observer
        self.golden = golden
        self.consent = consent

    def seal(
        self,
        prepared: list[PreparedMessage],
        data_keys: dict[str, bytes],
        schema: TraitSchema,
        present: set[str],
        now: float,
    ) -> SealedBatch:
        """The batch's rows, values and payloads sealed, and the components made only of
        identifiers not stored yet decided (`present`: the stored ones, read just before)."""
        identifiers = self._identifier_rows(prepared, data_keys)
        observed, flags = self._observations(prepared, data_keys, schema)
        consents = self._consents(prepared, flags, now)
        events = {
            p.event_id: self._event_row(p, data_keys, flags.get(p.event_id, [])) for p in prepared
        }
        evidence = self._evidence_rows(prepared)
        absent = set(identifiers) - present
        components = new_components(
            absent,
            {k: _node(identifiers[k]) for k in absent},
            [self._evidence(r) for r in evidence],
        )
        decided = [decide(c, self.rules) for c in components]
        observations = observation_rows(observed)
        rows = graph_rows(identifiers, evidence, observations, decided)
        golden = self._newcomer_golden(decided, rows, schema)
        return SealedBatch(
            identifiers,
            observed,
            observations,
            consents,
            events,
            evidence,
            decided,
            golden,
            rows,
            device_rows(prepared),
        )

    def _newcomer_golden(
        self, decided: list[Decision], rows: GraphRows, schema: TraitSchema
    ) -> dict[str, GoldenRow]:
        """Golden record rows of the decided components' profiles. Their identifiers are all
        new, so the batch holds every observation of them (a component is written as decided
        only if all of its messages are stored), and their bonds come from the clusterings as
        they will be written."""
        profile_of = {row["key"]: row["profile"] for row in rows.created}
        found: dict[str, list[Observation]] = {p: [] for d in decided for p in d.assignment.created}
        for row in rows.sightings:
            found[profile_of[row["owner"]]].append(observation_of_batch(row))
        bonds: dict[str, float] = {}
        for d in decided:
            if d.clustering.accepted:  # without a link, every identifier is an anchor
                bonds |= cluster_bonds(d.clustering, d.snapshot.nodes, self.rules)
        return {row["id"]: row for row in self.golden.records(found, schema, bonds)}

    def _identifier_rows(
        self, prepared: list[PreparedMessage], data_keys: dict[str, bytes]
    ) -> dict[str, IdentifierRow]:
        rows: dict[str, IdentifierRow] = {}
        for p in prepared:
            at = p.message.timestamp
            for ident in p.identity.identifiers:
                key = p.keys[(ident.type, ident.value)]
                row = rows.get(key)
                if row is None:
                    ik = IdentifierKey.parse(key)
                    rows[key] = IdentifierRow(
                        key=key,
                        type=ident.type,
                        kid=ik.kid,
                        hash=ik.hash,
                        enc=self.sealer.seal(data_keys[key], ident.value, owner=key, field="value"),
                        first=at,
                        last=at,
                    )
                else:
                    row["first"] = min(row["first"], at)
                    row["last"] = max(row["last"], at)
        return rows

    def _evidence_rows(self, fresh: list[PreparedMessage]) -> list[EvidenceRow]:
        rows: dict[tuple[str, str, str], EvidenceRow] = {}
        for p in fresh:
            at = p.message.timestamp
            for x, y in p.identity.pairs():
                kx, ky = p.keys[(x.type, x.value)], p.keys[(y.type, y.value)]
                a, b = min(kx, ky), max(kx, ky)
                rule = p.identity.rule
                row = rows.setdefault(
                    (a, b, rule),
                    EvidenceRow(
                        a=a,
                        b=b,
                        rule=rule,
                        weight=self.rules.weight_for(rule),
                        count=0,
                        first=at,
                        last=at,
                        source=p.message.source_id,
                        late=self.rules.is_late(rule, x.type, y.type),
                    ),
                )
                row["count"] += 1
                row["first"] = min(row["first"], at)
                row["last"] = max(row["last"], at)
            for succession in p.successions:
                # Once, with the alias's own count and times, whatever carries the user id.
                tie = succession.row(self.rules.weight_for(succession.rule))
                rows.setdefault((tie["a"], tie["b"], tie["rule"]), tie)
        return [rows[k] for k in sorted(rows)]

    def rows_for(
        self, sealed: SealedBatch, fresh: list[PreparedMessage], decided: list[Decision]
    ) -> GraphRows:
        """The rows as written when some messages were dropped or decisions went stale."""
        fresh_ids = {p.event_id for p in fresh}
        used = {k for p in fresh for k in p.keys.values()}
        whole = len(fresh_ids) == len(sealed.events)
        return graph_rows(
            {k: sealed.identifiers[k] for k in used},
            sealed.evidence if whole else self._evidence_rows(fresh),
            sealed.observations
            if whole
            else observation_rows(o for o in sealed.observed if o.event in fresh_ids),
            decided,
        )

    def _evidence(self, row: EvidenceRow) -> Evidence:
        return Evidence(
            a=row["a"],
            b=row["b"],
            rule=row["rule"],
            weight=self.rules.weight_for(row["rule"]),
            at=row["first"],
            count=row["count"],
            last=row["last"],
        )

    def _observations(
        self, prepared: list[PreparedMessage], data_keys: dict[str, bytes], schema: TraitSchema
    ) -> tuple[list[ObservedTrait], dict[str, list[str]]]:
        """Trait sightings of every message, hung off its owner; refusals become event flags."""
        observed: list[ObservedTrait] = []
        flags: dict[str, list[str]] = {}
        for p in prepared:
            owner = p.owner_key
            if owner is None:
                continue
            found, refused = self.observer.observe(
                self.observer.raw_traits(p.message, schema),
                schema,
                owner=owner,
                data_key=data_keys[owner],
                source=p.message.source_id,
                at=p.message.timestamp,
                event=p.event_id,
            )
            observed.extend(found)
            if refused:
                flags[p.event_id] = refused
        return observed, flags

    def _consents(
        self, prepared: list[PreparedMessage], flags: dict[str, list[str]], now: float
    ) -> list[ConsentRow]:
        """Consent decisions in the messages' consent context, hung off their owners."""
        rows: list[ConsentRow] = []
        for p in prepared:
            owner = p.owner_key
            if owner is None:
                continue
            found, refused = message_consent_rows(p.message, owner, p.event_id, self.consent, now)
            rows.extend(found)
            if refused:
                flags.setdefault(p.event_id, []).extend(refused)
        return rows

    def _event_row(
        self, p: PreparedMessage, data_keys: dict[str, bytes], trait_flags: list[str]
    ) -> EventRow:
        m = p.message
        owner = p.owner_key or self.sealer.unowned_owner()
        payload = {
            "userId": m.user_id,
            "anonymousId": m.anonymous_id,
            "previousId": m.previous_id,
            "groupId": m.group_id,
            "traits": dict(m.traits),
            "properties": dict(m.properties),
            "context": dict(m.context),
        }
        flags = sorted(
            {f"{d.reason}:{d.type}" for d in p.identity.dropped} | set(m.flags) | set(trait_flags)
        )
        if p.owner_key is None:
            flags.append("unowned")
        return EventRow(
            id=p.event_id,
            type=m.type,
            name=m.display_name,
            at=m.timestamp,
            received_at=m.received_at,
            source=m.source_id,
            plain=orjson.dumps({}).decode(),
            enc=self.sealer.seal(
                data_keys[owner], payload, owner=owner, field=f"event:{p.event_id}"
            ),
            owner=p.owner_key,
            flags=flags,
        )


def _node(row: IdentifierRow) -> Node:
    return Node(key=row["key"], type=row["type"], first_seen=row["first"])
