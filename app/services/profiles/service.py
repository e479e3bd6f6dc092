"""Reading profiles: status and lineage, identifiers (decrypted), event counts, traits."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from app.domain.access import SET_TRAIT
from app.domain.traits import (
    MANUAL,
    Candidate,
    TraitError,
    TraitSchema,
    coerce,
    decide,
    mask,
    normalise_name,
)
from app.errors import Forbidden, InvalidInput, NotFound
from app.ports.identity import IdentityGraphPort, IdentityTx
from app.ports.profiles import GoldenEntry, ProfileStore
from app.ports.profiles import ProfileView as ProfileView
from app.privacy import DecryptionError
from app.services.changes.notices import ProfileNotice, ProfileNotifier
from app.services.identity.curation import CurationService
from app.services.identity.keys import Sealer
from app.services.profiles.traits import (
    GoldenRecords,
    ObservedTrait,
    TraitObserver,
    observation_rows,
)


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


log = logging.getLogger(__name__)

KEY_DESTROYED = "its data key no longer exists (erased)"
INTEGRITY_FAILED = "it failed its integrity check (tampered, or sealed under another key)"


@dataclass(frozen=True)
class Unreadable:
    """A sealed value that cannot be opened, and why (the value itself is never shown)."""

    reason: str


@dataclass(frozen=True)
class TraitSetting:
    """A trait value set by hand or by a journey (source `manual`) on one profile: who sets
    it (`manual:<by>` in its provenance), and whether their role may set a personal trait
    (app.domain.access.SET_TRAIT)."""

    profile_id: str
    name: str
    value: Any
    by: str
    personal_allowed: bool = True


@dataclass(frozen=True)
class CandidateView:
    """A candidate value as provenance shows it; `weight` = trust x confidence x bond x decay
    of its heaviest observation, whose factors `trust`, `bond` and `decay` are."""

    value: Any
    source: str
    at: float
    first_at: float
    weight: float
    count: int
    trust: float = 1.0
    bond: float = 1.0
    decay: float = 1.0


@dataclass(frozen=True)
class TraitProvenance:
    name: str
    strategy: str
    personal: bool
    winner: CandidateView
    candidates: tuple[CandidateView, ...]


class ProfileService:
    def __init__(
        self,
        graph: IdentityGraphPort,
        store: ProfileStore,
        sealer: Sealer,
        curation: CurationService,
        observer: TraitObserver,
        golden: GoldenRecords,
        notifier: ProfileNotifier | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.graph = graph
        self.store = store
        self.sealer = sealer
        self.curation = curation
        self.observer = observer
        self.golden = golden
        self.notifier = notifier
        self.clock = clock

    async def profile(self, profile_id: str) -> ProfileView | None:
        return await self.store.profile(profile_id)

    async def profile_by_identifier(self, type: str, value: str) -> ProfileView | None:
        found = await self.curation.find(type, value)
        return await self.profile(found["profile"]) if found and found["profile"] else None

    async def identifiers(self, profile_id: str) -> list[IdentifierView]:
        return (await self.identifiers_of([profile_id]))[profile_id]

    async def identifiers_of(self, profile_ids: list[str]) -> dict[str, list[IdentifierView]]:
        """The identifiers of several profiles, decrypted, in one query (for DataLoaders)."""
        rows = await self.store.identifiers_of(profile_ids)
        keys = await self.sealer.data_keys([r.key for r in rows], create=False)
        found: dict[str, list[IdentifierView]] = {pid: [] for pid in profile_ids}
        for r in rows:
            found.setdefault(r.profile, []).append(
                IdentifierView(
                    key=r.key,
                    type=r.type,
                    value=self._open_value(keys.get(r.key), r.enc, r.key),
                    first_seen=r.first_seen,
                    last_seen=r.last_seen,
                    events=r.events,
                    generic=r.generic,
                    blocked=r.blocked,
                )
            )
        return found

    async def identifier_types_of(self, profile_ids: list[str]) -> dict[str, list[str]]:
        """The types of several profiles' identifiers, in the order of `identifiers_of`,
        without opening a value (for lists that show what a profile holds, not the values)."""
        found: dict[str, list[str]] = {pid: [] for pid in profile_ids}
        for r in await self.store.identifiers_of(profile_ids):
            found.setdefault(r.profile, []).append(r.type)
        return found

    def _open_value(self, data_key: bytes | None, token: str | None, owner: str) -> str | None:
        if data_key is None or token is None:
            return None
        try:
            return str(self.sealer.open(data_key, token, owner=owner, field="value"))
        except DecryptionError:
            return None

    async def event_count(self, profile_id: str) -> int:
        return await self.store.event_count(profile_id)

    async def active_ids(self, after: str, limit: int) -> list[str]:
        """Ids of active profiles after `after`, in id order, at most `limit`."""
        return await self.store.active_ids(after, limit)

    async def traits(self, profile_id: str, *, reveal: bool = True) -> dict[str, Any]:
        """The golden record: every field's winning value (personal ones decrypted, or masked
        when the caller may not see personal data)."""
        return (await self.traits_of([profile_id], reveal=reveal))[profile_id]

    async def traits_of(
        self,
        profile_ids: list[str],
        *,
        reveal: bool = True,
        only: Collection[str] | None = None,
    ) -> dict[str, dict[str, Any]]:
        """Golden records of several profiles in two queries (for DataLoaders); with `only`,
        just those fields (nothing else is decrypted)."""
        goldens: dict[str, dict[str, GoldenEntry]] = await self.store.golden_of(profile_ids)
        if only is not None:
            goldens = {
                pid: {k: v for k, v in golden.items() if k in only}
                for pid, golden in goldens.items()
            }
        sealed = [
            g.observation
            for golden in goldens.values()
            for g in golden.values()
            if g.personal and g.observation
        ]
        opened = await self.open_observations(sealed)
        schema = await self.golden.effective_schema()
        records: dict[str, dict[str, Any]] = {pid: {} for pid in profile_ids}
        for pid, golden in goldens.items():
            record = records.setdefault(pid, {})
            for name, entry in golden.items():
                value = entry.value
                if entry.personal:
                    value = opened.get(entry.observation) if entry.observation else None
                if isinstance(value, Unreadable):
                    record[name] = {"unavailable": value.reason}
                    continue
                if not reveal and entry.personal:
                    field = schema.classify(name)
                    value = mask(field.type if field else "string", value)
                record[name] = value
        return records

    async def plain_traits_of(self, profile_ids: list[str]) -> dict[str, dict[str, Any]]:
        """Only the plain (not personal) fields of these profiles' golden records: what goes
        to a destination."""
        schema = await self.golden.effective_schema()
        records = await self.traits_of(profile_ids, reveal=False)
        return {
            pid: {
                k: v
                for k, v in record.items()
                if (field := schema.classify(k)) is not None and field.pii == "plain"
            }
            for pid, record in records.items()
        }

    async def open_observations(self, keys: list[str]) -> dict[str, Any]:
        """Decrypt sealed observation values; an Unreadable says why one cannot be read."""
        if not keys:
            return {}
        rows = await self.store.sealed_values(keys)
        data_keys = await self.sealer.data_keys([r.owner for r in rows], create=False)
        opened: dict[str, Any] = {}
        for row in rows:
            if row.enc is None:
                opened[row.key] = orjson.loads(row.value) if row.value else None
                continue
            data_key = data_keys.get(row.owner)
            if data_key is None:
                opened[row.key] = Unreadable(KEY_DESTROYED)
                continue
            try:
                opened[row.key] = self.sealer.open(
                    data_key, row.enc, owner=row.owner, field=f"trait:{row.key}"
                )
            except DecryptionError:
                # Tampered, or sealed under another key: worth an alarm, never a crash.
                log.error("a sealed trait value failed its integrity check", extra={"key": row.key})
                opened[row.key] = Unreadable(INTEGRITY_FAILED)
        return opened

    async def trait(
        self, profile_id: str, name: str, *, reveal: bool = True, limit: int = 10
    ) -> TraitProvenance | None:
        """Why this value: the winner with its source, time, weight (and its factors: trust,
        bond, decay) and strategy, and the ranked candidates it beat."""
        field = (await self.golden.effective_schema()).classify(name)
        if field is None:
            return None
        evidence = await self.store.evidence_of(profile_id)
        observations = [o for o in evidence.observations if o.field == field.name]
        schema = await self.golden.effective_schema({o.source for o in observations})
        decision = decide(field, observations, schema, self.golden.bonds([evidence]))
        if decision is None:
            return None
        ranked = decision.candidates[:limit]
        sealed = [c.observation_ids[0] for c in (decision.winner, *ranked) if c.observation_ids]
        opened = await self.open_observations(sealed) if field.pii == "personal" else {}

        def view(c: Candidate) -> CandidateView:
            value = c.value
            if field.pii == "personal":
                value = opened.get(c.observation_ids[0]) if c.observation_ids else None
                if isinstance(value, Unreadable):
                    value = {"unavailable": value.reason}
                elif not reveal:
                    value = mask(field.type, value)
            return CandidateView(
                value, c.source, c.at, c.first_at, c.weight, c.count, c.trust, c.bond, c.decay
            )

        return TraitProvenance(
            name=field.name,
            strategy=decision.strategy,
            personal=field.pii == "personal",
            winner=view(decision.winner),
            candidates=tuple(view(c) for c in ranked),
        )

    async def set_trait(
        self, profile_id: str, name: str, value: Any, by: str, *, personal_allowed: bool = True
    ) -> None:
        """Record a manual observation (source `manual`) on the profile and re-decide it.
        `personal_allowed`: whether the writer's role carries what setting a personal trait
        needs (app.domain.access.SET_TRAIT); a personal trait is refused (`Forbidden`) if not,
        decided on the same schema the value is observed with."""
        (failed,) = await self.set_traits(
            [TraitSetting(profile_id, name, value, by, personal_allowed)]
        )
        if failed is not None:
            raise failed

    async def set_traits(self, settings: Sequence[TraitSetting]) -> list[Exception | None]:
        """Manual observations on their profiles, as `set_trait` records one, all in one
        transaction (a journey round's `set_trait` actions), and their profiles re-decided.
        Per setting, in order: None once recorded, or why it was not (`InvalidInput`,
        `Forbidden`, `NotFound`). A backing service that fails raises, for all of them."""
        schema = await self.golden.effective_schema()
        failed: list[Exception | None] = [_refusal(s, schema) for s in settings]
        valid = [i for i, f in enumerate(failed) if f is None]
        if not valid:
            return failed
        now = self.clock()
        #: What the transaction found of each valid setting (reset when it runs again).
        found_failed: dict[int, Exception] = {}

        async def work(tx: IdentityTx) -> dict[str, set[str]]:
            found_failed.clear()
            await tx.lock(now)
            wanted = sorted({settings[i].profile_id for i in valid})
            reps = {r["requested"]: r for r in await tx.locked_representatives(wanted)}
            owners = sorted({r["representative"] for r in reps.values() if r["representative"]})
            data_keys = await self.sealer.data_keys(owners, create=True) if owners else {}
            observed: list[ObservedTrait] = []
            decided: set[str] = set()
            for i in valid:
                setting = settings[i]
                rep = reps.get(setting.profile_id)
                if rep is None or not rep["representative"]:
                    found_failed[i] = NotFound("no profile with that id in this workspace")
                    continue
                owner = rep["representative"]
                field = schema.classify(setting.name)
                assert field is not None  # refused above otherwise
                found, refused = self.observer.observe(
                    [(field.name, setting.value)],
                    schema,
                    owner=owner,
                    data_key=data_keys[owner],
                    source=MANUAL,
                    at=now,
                    event=f"manual:{setting.by}",
                )
                if refused:
                    found_failed[i] = InvalidInput(
                        f"{field.name}: value refused by the trait schema"
                    )
                    continue
                observed.extend(found)
                decided.add(rep["active"])
            touched = await tx.merge_observations(observation_rows(observed))
            return await self.golden.refresh(tx, touched | decided, now)

        await self._announce(await self.graph.write(work))
        for i, exc in found_failed.items():
            failed[i] = exc
        return failed

    async def refresh_golden_records(self, page: int = 500) -> int:
        """Re-decide every active profile's golden record (after a trait schema edit)."""
        self.golden.forget()
        done, after = 0, ""
        while True:
            ids = await self.store.active_ids(after, page)
            if not ids:
                return done
            after = ids[-1]
            await self.redecide(ids)
            done += len(ids)

    async def redecide(self, profile_ids: list[str]) -> int:
        """Decide these profiles' golden records again, under the current schema and trusts,
        and tell the change feed which fields got another winner; answers how many profiles
        changed."""
        if not profile_ids:
            return 0
        now = self.clock()
        await self.golden.effective_schema()

        async def work(tx: IdentityTx) -> dict[str, set[str]]:
            await tx.lock(now)
            return await self.golden.refresh(tx, profile_ids, now)

        changed = await self.graph.write(work)
        await self._announce(changed)
        return len(changed)

    async def _announce(self, changed: dict[str, set[str]]) -> None:
        """Tell the change feed which fields of which profiles got another winner."""
        if self.notifier is not None and changed:
            await self.notifier.publish(
                ProfileNotice(pid, "traits", tuple(sorted(fields)))
                for pid, fields in changed.items()
            )


def _refusal(setting: TraitSetting, schema: TraitSchema) -> Exception | None:
    """Why a trait setting is refused before anything is read: a name the schema does not
    declare, a personal trait its writer's role may not set, a value of the wrong kind."""
    field = schema.classify(setting.name)
    if field is None:
        return InvalidInput(f"{normalise_name(setting.name) or 'trait'}: not a declared trait")
    if field.pii == "personal" and not setting.personal_allowed:
        return Forbidden(
            f"Forbidden: {field.name} is a personal trait; setting it needs '{SET_TRAIT.value}'"
        )
    try:
        coerce(field, setting.value)
    except TraitError as exc:
        return InvalidInput(str(exc))
    return None
