"""Write a batch of tracked messages into the identity graph in one transaction.

Per batch: normalise identifiers, seal values and payloads under data keys that are stored
first, then in one locked transaction skip events already stored, upsert identifiers and
evidence, store the events, and recompute the touched components.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import orjson
from neo4j.exceptions import ConstraintError

from app.adapters.identity_graph import ComponentMoving, IdentityGraph, IdentityTx
from app.domain.consent import ConsentPolicy
from app.domain.identity import BlockList, Evidence, IdentityRules, Node, Refusal
from app.domain.messages import MessageIdentity, TrackedMessage, identify_message
from app.domain.traits import Observation, TraitSchema
from app.services.changes.notices import ProfileNotice, ProfileNotifier, lineage_notices
from app.services.identity.keys import IdentifierKey, Sealer
from app.services.identity.resolution import (
    Decision,
    combine,
    decide,
    new_components,
    recluster,
)
from app.services.privacy.consent import message_consent_rows, only_changes
from app.services.profiles.traits import (
    GoldenRecords,
    ObservedTrait,
    TraitObserver,
    changed_fields,
    observation_of_batch,
    observation_rows,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IngestReport:
    """What a batch did (counts only: the resolver needs no more)."""

    stored: int
    duplicates: int
    dropped_identifiers: dict[str, int] = field(default_factory=dict)
    new_conflicts: tuple[Refusal, ...] = ()
    merges: int = 0
    splits: int = 0
    #: Messages dropped because one of their identifiers belongs to an erased subject.
    suppressed: int = 0
    consents: int = 0
    #: What changed, for profileUpdated subscribers (ids only).
    notices: tuple[ProfileNotice, ...] = ()
    #: Times the batch's transaction ran again: a writer beside this one stored one of its
    #: events or identifiers first, or Neo4j broke a deadlock between two writers.
    retries: int = 0


@dataclass(frozen=True)
class _Prepared:
    message: TrackedMessage
    identity: MessageIdentity
    event_id: str
    keys: dict[tuple[str, str], str]  # (type, value) -> node key
    #: node key -> its keys under every listed blind-index kid, the current one first (only
    #: while several are listed)
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def barred_by(self, suppressed: set[str]) -> set[str]:
        """This message's node keys whose identifier is suppressed under any kid."""
        return {
            key
            for key in self.keys.values()
            if key in suppressed or not suppressed.isdisjoint(self.aliases.get(key, ()))
        }

    @property
    def owner_key(self) -> str | None:
        owner = self.identity.owner
        return self.keys[(owner.type, owner.value)] if owner else None


@dataclass(frozen=True)
class _Sealed:
    """A prepared batch's rows, built before the lock."""

    identifiers: dict[str, dict[str, Any]]  # node key -> row
    observed: list[ObservedTrait]
    observations: list[dict[str, Any]]  # of every prepared message, aggregated
    consents: list[dict[str, Any]]
    events: dict[str, dict[str, Any]]  # event id -> row
    evidence: list[dict[str, Any]]  # of every prepared message
    #: the components made only of identifiers not stored when read, decided
    decided: list[Decision]
    #: golden record rows of the decided components' profiles, by profile id
    golden: dict[str, dict[str, Any]]
    #: the identifier and evidence rows as written if every message is new and every
    #: decision holds under the lock (the common case)
    rows: _GraphRows


@dataclass(frozen=True)
class _GraphRows:
    """A batch's identifier, evidence and observation rows as written: those of the decided
    components are created (identifiers attached to their profiles, edges with their states),
    the others merged."""

    created: list[dict[str, Any]]  # identifier rows with `profile` and `generic`
    merged: list[dict[str, Any]]
    links: list[dict[str, Any]]  # evidence rows with `followed` and `refusal`
    evidence: list[dict[str, Any]]
    sightings: list[dict[str, Any]]  # observation rows of created identifiers
    observations: list[dict[str, Any]]


def stored_key(candidates: Sequence[str], present: set[str]) -> str:
    """The key an identifier is stored under: the first listed kid's (current first) whose
    node exists, else the current kid's."""
    return next((k for k in candidates if k in present), candidates[0])


class KeysMoved(Exception):
    """What the batch was prepared for changed under it: a blind-index rotation re-keyed one
    of its identifiers after it was sealed, or an erasure suppressed one a writer beside it
    had just created."""


#: Attempts at a batch whose identifiers a concurrent rotation keeps re-keying, or whose
#: events writers beside this one keep storing first.
ATTEMPTS = 5
#: How long a process trusts what it last read about a finished rotation.
SETTLED_CHECK_SECONDS = 10.0
#: How long first deliveries look stored events up after one held a replay.
REPLAY_LOOKUP_SECONDS = 60.0


def event_id(ws: str, message: TrackedMessage) -> str:
    """Unique per workspace, source and messageId: Neo4j's final arbiter of duplicates."""
    return f"{ws}:{message.source_id}:{message.message_id}"


class IngestionService:
    def __init__(
        self,
        graph: IdentityGraph,
        sealer: Sealer,
        rules: IdentityRules,
        observer: TraitObserver,
        golden: GoldenRecords,
        consent: ConsentPolicy,
        notifier: ProfileNotifier | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.graph = graph
        self.consent = consent
        self.notifier = notifier
        self.sealer = sealer
        self.rules = rules
        self.observer = observer
        self.golden = golden
        self.blocklist = BlockList.from_rules(rules)
        self.clock = clock
        #: (when read, the kid every identifier is known to be keyed under)
        self._settled: tuple[float, str | None] = (float("-inf"), None)
        #: Until when first deliveries look stored events up too (a replay was met).
        self._look_up_until = float("-inf")

    def _prepare(
        self, messages: Sequence[TrackedMessage], present: set[str] | None = None
    ) -> list[_Prepared]:
        """One entry per distinct event. `present` (only during a blind-index rotation) names
        the identifier nodes that exist under any listed kid: each identifier then takes the
        key it is already stored under."""
        ws = self.graph.ws
        prepared: dict[str, _Prepared] = {}
        for message in messages:
            eid = event_id(ws, message)
            if eid in prepared:
                continue
            identity = identify_message(message, self.rules, self.blocklist)
            keys: dict[tuple[str, str], str] = {}
            aliases: dict[str, tuple[str, ...]] = {}
            for i in identity.identifiers:
                key = self.sealer.key_of(i).key
                if self.sealer.rotating:
                    # An identifier erased before a blind-index rotation is suppressed under
                    # the kid it had then: look under every listed kid.
                    candidates = self.sealer.candidate_keys(i)
                    key = stored_key(candidates, present or set())
                    aliases[key] = tuple(candidates)
                keys[(i.type, i.value)] = key
            prepared[eid] = _Prepared(message, identity, eid, keys, aliases)
        return list(prepared.values())

    def identifier_keys(self, message: TrackedMessage) -> set[str]:
        """The node keys, under every listed kid, of every identifier a message carries
        (erasure finds messages by them)."""
        identity = identify_message(message, self.rules, self.blocklist)
        return {k for i in identity.identifiers for k in self.sealer.candidate_keys(i)}

    async def ingest(
        self,
        messages: Sequence[TrackedMessage],
        unseen: bool = False,
        turn: asyncio.Lock | None = None,
    ) -> IngestReport:
        """Write a batch. `unseen` (the resolver, for a first delivery from the stream, which
        lets each message through once per de-duplication window) skips looking up which
        events are stored: should one be after all (sent again after the window), its unique
        id fails the transaction, and the batch is written again with the lookup. `turn`, when
        given, is held while the batch's transaction runs (a resolver's own batches, prepared
        side by side, commit one after the other)."""
        # During a blind-index rotation each identifier is sealed for the key it is stored
        # under, and the batch starts again should the rotation move one meanwhile.
        rotating = await self.rotation_pending()
        look_up = rotating or not unseen or time.monotonic() < self._look_up_until
        for attempt in range(1, ATTEMPTS + 1):
            try:
                report = await self._ingest(messages, rotating=rotating, look_up=look_up, turn=turn)
                return replace(report, retries=report.retries + attempt - 1)
            except (KeysMoved, ComponentMoving):
                if attempt == ATTEMPTS:
                    raise
            except ConstraintError:
                # A stored event (a replay, or a writer beside this one storing the same
                # event): written again, looking up which events are stored.
                if attempt == ATTEMPTS:
                    raise
                if not look_up:
                    # Replays come in runs (an import or a tracker's backlog sent again): look
                    # events up for a while rather than fail batch after batch.
                    self._look_up_until = time.monotonic() + REPLAY_LOOKUP_SECONDS
                    log.info("a first delivery held a stored event; written again with lookup")
                look_up = True
        raise AssertionError("unreachable")  # pragma: no cover

    def recheck_rotation(self) -> None:
        """Read the rotation state again on the next batch (a rotation in this process ended)."""
        self._settled = (float("-inf"), None)

    async def rotation_pending(self) -> bool:
        """Whether identifiers may exist under a kid other than the current one."""
        if not self.sealer.rotating:
            return False
        now = time.monotonic()
        if now - self._settled[0] > SETTLED_CHECK_SECONDS:
            rows = await self.graph.read("rekey/settled")
            self._settled = (now, rows[0]["kid"] if rows else None)
        return self._settled[1] != self.sealer.index.kid

    async def _present(self, keys: Sequence[str]) -> set[str]:
        """Which of these keys are stored identifiers, read before the batch takes the lock."""
        return await self.graph.read_tx(lambda tx: tx.present_identifiers(keys))

    async def _ingest(
        self,
        messages: Sequence[TrackedMessage],
        rotating: bool,
        present: set[str] | None = None,
        look_up: bool = True,
        turn: asyncio.Lock | None = None,
    ) -> IngestReport:
        """`present`: the stored identifiers among the batch's, as read before the lock (read
        here when not given). `look_up`: check under the lock which events are stored
        (without it, a stored one fails the transaction on its unique id)."""
        # Normalising, hashing, sealing and deciding new components are CPU work: done in a
        # thread, they do not hold up the previous batch's locked transaction, which waits on
        # this event loop for its query results.
        if rotating:
            # Which listed kid each identifier is stored under decides the key it is sealed for.
            if present is None:
                present = await self._present(
                    sorted({k for m in messages for k in self.identifier_keys(m)})
                )
            prepared = await asyncio.to_thread(self._prepare, messages, present)
        else:
            prepared = await asyncio.to_thread(self._prepare, messages, None)
            if present is None:
                present = await self._present(
                    sorted({k for p in prepared for k in p.keys.values()})
                )
        if not prepared:
            return IngestReport(stored=0, duplicates=len(messages))
        owners = {k for p in prepared for k in p.keys.values()}
        if any(p.owner_key is None for p in prepared):
            owners.add(self.sealer.unowned_owner())
        # The key store is written before the data it protects.
        data_keys = await self.sealer.data_keys(sorted(owners), create=True)
        # The current trait schema and source trusts, read outside the transaction.
        schema = await self.golden.effective_schema()
        now = self.clock()
        sealed = await asyncio.to_thread(self._seal, prepared, data_keys, schema, present, now)
        identifier_rows, event_rows = sealed.identifiers, sealed.events
        lookups = sorted(owners | {k for p in prepared for a in p.aliases.values() for k in a})
        # To read again under the lock: what a rotation may have moved, what a decided
        # component holds (none of it may be stored by then).
        check = lookups if rotating else sorted(k for c in sealed.decided for k in c.snapshot.keys)
        event_ids = [p.event_id for p in prepared] if look_up else []

        runs = 0

        async def work(tx: IdentityTx) -> tuple[IngestReport, set[str]]:
            nonlocal runs
            runs += 1
            await tx.lock(now)
            # The profiles of the batch's identifiers stored now (not as read before the
            # transaction) are locked before anything is read that will be decided on: an
            # erasure planning one of them waits, or has committed its suppressions.
            await tx.lock_profiles_of(lookups)
            existing, suppressed, now_present = await tx.batch_state(event_ids, lookups, check)
            if rotating and self._moved(prepared, now_present):
                raise KeysMoved
            # A message naming an erased subject's identifier is dropped whole, and the data
            # keys made for its identifiers before the transaction are destroyed after it.
            doomed: set[str] = set()
            barred: set[str] = set()
            if suppressed:
                doomed = {k for p in prepared for k in p.barred_by(suppressed)}
                barred = {p.event_id for p in prepared if p.barred_by(suppressed)}
            fresh = [p for p in prepared if p.event_id not in existing | barred]
            if not fresh:
                report = IngestReport(
                    stored=0,
                    duplicates=len(messages) - len(barred - existing),
                    suppressed=len(barred - existing),
                )
                return report, doomed
            whole = len(fresh) == len(prepared)
            fresh_ids = {p.event_id for p in fresh}
            decided = self._still_decided(sealed.decided, prepared, fresh_ids, now_present)
            # Their identifiers are created first: one that a writer beside this one stored
            # meanwhile is waited for and found (taken), and its component resolved from the
            # graph like any other; the identifiers created for it join it there.
            claimed = [
                {**identifier_rows[k], "generic": k in c.clustering.generic}
                for c in decided
                for k in c.snapshot.keys
            ]
            taken = await tx.claim_identifiers(sorted(claimed, key=lambda r: str(r["key"])))
            if taken:
                decided = [c for c in decided if taken.isdisjoint(c.snapshot.keys)]
            if whole and len(decided) == len(sealed.decided):
                rows = sealed.rows  # every message is new and every decision holds
            else:
                used = {k for p in fresh for k in p.keys.values()}
                rows = self._graph_rows(
                    {k: identifier_rows[k] for k in used},
                    sealed.evidence if whole else self._evidence_rows(fresh),
                    sealed.observations
                    if whole
                    else observation_rows(o for o in sealed.observed if o.event in fresh_ids),
                    decided,
                )
            # A decided component's profiles are created with their golden records: all the
            # observations of their identifiers are this batch's.
            newcomers = {p: sealed.golden[p] for c in decided for p in c.assignment.created}
            await tx.create_profiles(sorted(newcomers), now, newcomers)
            await tx.attach_identifiers(rows.created)
            seeds, profiles = await tx.merge_identifiers(rows.merged)
            if not profiles <= tx.locked:
                # A writer beside this one created some of them since the locks were taken:
                # their profiles are locked now, and should an erasure have suppressed one of
                # them meanwhile, the batch starts again (and drops its messages).
                await tx.lock_profiles(profiles)
                _, now_suppressed, _ = await tx.batch_state([], lookups)
                if now_suppressed - suppressed:
                    raise KeysMoved
            await tx.create_evidence(rows.links, now)
            seeds |= await tx.merge_evidence(rows.evidence)
            await tx.create_events([event_rows[p.event_id] for p in fresh])
            # Clusters are a function of the evidence: if no node or edge changed in a way
            # that can move one, nothing is recomputed (the common case of a known visitor).
            # The components decided before the lock are written already (none of their
            # identifiers or edges is merged, so none is a seed); the rest are read back (a
            # component of new identifiers lands here only if the lock found it stale: one of
            # its messages dropped, or an identifier stored meanwhile).
            outcome = combine(
                await recluster(tx, sorted(seeds), self.rules, now, "evidence"),
                *(component.outcome() for component in decided),
            )
            await tx.create_observations(rows.sightings)
            touched = await tx.merge_observations(rows.observations)
            consent_rows = only_changes([r for r in sealed.consents if r["event"] in fresh_ids])
            recorded, consent_profiles = await tx.record_consents(consent_rows)
            golden = await self.golden.refresh(
                tx, (touched | outcome.changed_profiles) - newcomers.keys(), now
            )
            golden |= changed_fields(newcomers.values(), {})
            dropped: dict[str, int] = {}
            for p in fresh:
                for d in p.identity.dropped:
                    label = f"{d.reason}:{d.type}"
                    dropped[label] = dropped.get(label, 0) + 1
            report = IngestReport(
                stored=len(fresh),
                duplicates=len(messages) - len(fresh) - len(barred - existing),
                dropped_identifiers=dropped,
                new_conflicts=outcome.new_conflicts,
                merges=len(outcome.merges),
                splits=len(outcome.splits),
                suppressed=len(barred - existing),
                consents=recorded,
                notices=tuple(
                    lineage_notices(
                        outcome.merges,
                        outcome.splits,
                        outcome.changed_profiles,
                        traits=golden,
                        created=outcome.created,
                    )
                    + [ProfileNotice(p, "consent") for p in sorted(consent_profiles)]
                ),
            )
            return report, doomed

        if turn is None:
            report, barred_keys = await self.graph.write(work)
        else:
            async with turn:
                report, barred_keys = await self.graph.write(work)
        if runs > 1:
            report = replace(report, retries=runs - 1)
        if barred_keys:
            # Made before the transaction knew: an erased subject gets no key material.
            await self.sealer.forget(sorted(barred_keys))
        if self.notifier is not None:
            stored = [(p.owner_key, p.message.display_name) for p in prepared if p.owner_key]
            await self.notifier.publish(report.notices, stored if report.stored else ())
        return report

    def _seal(
        self,
        prepared: list[_Prepared],
        data_keys: dict[str, bytes],
        schema: TraitSchema,
        present: set[str],
        now: float,
    ) -> _Sealed:
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
            {k: self._node(identifiers[k]) for k in absent},
            [self._evidence(r) for r in evidence],
        )
        decided = [decide(c, self.rules) for c in components]
        observations = observation_rows(observed)
        rows = self._graph_rows(identifiers, evidence, observations, decided)
        golden = self._newcomer_golden(decided, rows, schema)
        return _Sealed(
            identifiers, observed, observations, consents, events, evidence, decided, golden, rows
        )

    def _newcomer_golden(
        self, decided: list[Decision], rows: _GraphRows, schema: TraitSchema
    ) -> dict[str, dict[str, Any]]:
        """Golden record rows of the decided components' profiles. Their identifiers are all
        new, so the batch holds every observation of them (a component is written as decided
        only if all of its messages are stored)."""
        profile_of = {row["key"]: row["profile"] for row in rows.created}
        found: dict[str, list[Observation]] = {p: [] for d in decided for p in d.assignment.created}
        for row in rows.sightings:
            found[profile_of[row["owner"]]].append(observation_of_batch(row))
        return {row["id"]: row for row in self.golden.records(found, schema)}

    @staticmethod
    def _still_decided(
        decided: list[Decision],
        prepared: list[_Prepared],
        fresh_ids: set[str],
        present: set[str],
    ) -> list[Decision]:
        """The components decided before the lock (every identifier new then) that still hold
        under it: none of their identifiers is stored now (a batch that committed meanwhile
        may have stored some) and none of their messages was dropped (a replay, a suppressed
        subject). Their identifiers are then written attached and their edges decided."""
        stale = present | {
            k for p in prepared if p.event_id not in fresh_ids for k in p.keys.values()
        }
        return [c for c in decided if stale.isdisjoint(c.snapshot.keys)]

    @staticmethod
    def _graph_rows(
        identifiers: dict[str, dict[str, Any]],
        evidence: list[dict[str, Any]],
        observations: list[dict[str, Any]],
        decided: list[Decision],
    ) -> _GraphRows:
        """Split the rows: the decided components' identifiers get their profile and generic
        flag, their edges (a component holds both ends of each) their decided state, and
        their observations are created."""
        placed = {
            k: {"profile": p, "generic": k in d.clustering.generic}
            for d in decided
            for k, p in d.assignment.moves.items()
        }
        states = {
            (str(r["a"]), str(r["b"]), str(r["rule"])): r for d in decided for r in d.link_rows
        }
        created: list[dict[str, Any]] = []
        merged: list[dict[str, Any]] = []
        for key in sorted(identifiers):
            place = placed.get(key)
            if place is None:
                merged.append(identifiers[key])
            else:
                created.append({**identifiers[key], **place})
        links: list[dict[str, Any]] = []
        rest: list[dict[str, Any]] = []
        for row in evidence:
            if row["a"] not in placed:
                rest.append(row)
                continue
            state = states.get((row["a"], row["b"], row["rule"]))
            links.append(
                {
                    **row,
                    "followed": bool(state["followed"]) if state else False,
                    "refusal": state["refusal"] if state else None,
                }
            )
        sightings = [row for row in observations if row["owner"] in placed]
        others = [row for row in observations if row["owner"] not in placed]
        return _GraphRows(created, merged, links, rest, sightings, others)

    @staticmethod
    def _moved(prepared: list[_Prepared], present: set[str]) -> bool:
        """Whether, under the lock, some identifier is stored under another key than the one
        the batch was sealed for."""
        return any(
            stored_key(candidates, present) != key
            for p in prepared
            for key, candidates in p.aliases.items()
        )

    def _identifier_rows(
        self, prepared: list[_Prepared], data_keys: dict[str, bytes]
    ) -> dict[str, dict[str, Any]]:
        rows: dict[str, dict[str, Any]] = {}
        for p in prepared:
            at = p.message.timestamp
            for ident in p.identity.identifiers:
                key = p.keys[(ident.type, ident.value)]
                row = rows.get(key)
                if row is None:
                    ik = IdentifierKey.parse(key)
                    rows[key] = {
                        "key": key,
                        "type": ident.type,
                        "kid": ik.kid,
                        "hash": ik.hash,
                        "enc": self.sealer.seal(
                            data_keys[key], ident.value, owner=key, field="value"
                        ),
                        "first": at,
                        "last": at,
                        "device": dict(p.identity.device) if ident.type == "device_id" else {},
                    }
                else:
                    row["first"] = min(row["first"], at)
                    row["last"] = max(row["last"], at)
                    if ident.type == "device_id":
                        row["device"].update(p.identity.device)
        return rows

    def _evidence_rows(self, fresh: list[_Prepared]) -> list[dict[str, Any]]:
        rows: dict[tuple[str, str, str], dict[str, Any]] = {}
        for p in fresh:
            at = p.message.timestamp
            for x, y in p.identity.pairs():
                kx, ky = p.keys[(x.type, x.value)], p.keys[(y.type, y.value)]
                a, b = min(kx, ky), max(kx, ky)
                rule = p.identity.rule
                row = rows.setdefault(
                    (a, b, rule),
                    {
                        "a": a,
                        "b": b,
                        "rule": rule,
                        "weight": self.rules.weight_for(rule),
                        "count": 0,
                        "first": at,
                        "last": at,
                        "source": p.message.source_id,
                        "late": self.rules.is_late(rule, x.type, y.type),
                    },
                )
                row["count"] += 1
                row["first"] = min(row["first"], at)
                row["last"] = max(row["last"], at)
        return [rows[k] for k in sorted(rows)]

    @staticmethod
    def _node(row: dict[str, Any]) -> Node:
        return Node(key=row["key"], type=row["type"], first_seen=float(row["first"]))

    def _evidence(self, row: dict[str, Any]) -> Evidence:
        return Evidence(
            a=row["a"],
            b=row["b"],
            rule=row["rule"],
            weight=self.rules.weight_for(row["rule"]),
            at=float(row["first"]),
            count=int(row["count"]),
        )

    def _observations(
        self, prepared: list[_Prepared], data_keys: dict[str, bytes], schema: TraitSchema
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
        self, prepared: list[_Prepared], flags: dict[str, list[str]], now: float
    ) -> list[dict[str, Any]]:
        """Consent decisions in the messages' consent context, hung off their owners."""
        rows: list[dict[str, Any]] = []
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
        self, p: _Prepared, data_keys: dict[str, bytes], trait_flags: list[str]
    ) -> dict[str, Any]:
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
        return {
            "id": p.event_id,
            "type": m.type,
            "name": m.display_name,
            "at": m.timestamp,
            "received_at": m.received_at,
            "source": m.source_id,
            "plain": orjson.dumps({}).decode(),
            "enc": self.sealer.seal(
                data_keys[owner], payload, owner=owner, field=f"event:{p.event_id}"
            ),
            "owner": p.owner_key,
            "flags": flags,
        }
