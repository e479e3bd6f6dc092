"""Likely under-merges: profiles that share no identifier but whose traits a record-linkage
model scores as one person become `likely_same_person` suggestions (never merges).

A scan reads, from every active profile's golden record, only the traits the model compares
(those alone are decrypted, in memory only); a phone counts as identity resolution reads it,
and one resolution would drop (a placeholder) is left out. It keeps the profiles with enough to
compare (two of first name, last name and birthday) and hands them to the model: blocking on
names, birthday, postal code, address and phone, then Fellegi-Sunter scoring
(app/services/identity/linkage, config/linkage.yaml). Pairs at or above the model's threshold
are filed, best first, each with the verdict of every field (level and weight, never a
value). A pair already filed, whatever became of it, is not filed again: a dismissed pair stays
dismissed.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.domain.identity import PHONE, BlockList, IdentityRules, NormalisedIdentifier
from app.domain.identity.spelling import event_region
from app.domain.messages import classify_identifier
from app.ports.review import NewSuggestion, SuggestionStore

if TYPE_CHECKING:
    # Imported when a scan runs: the model's libraries (pandas, recordlinkage) cost a second
    # and tens of megabytes at start-up, which the API never needs.
    from app.services.identity.linkage.model import LinkageModel
    from app.services.identity.linkage.records import LinkageRecord

#: Suggestions filed per scan at most, best first.
SCAN_LIMIT = 1000
PAGE = 500


@dataclass(frozen=True)
class ScanReport:
    profiles: int
    compared: int
    pairs: int
    filed: int
    seconds: float


class DuplicateScan:
    def __init__(
        self,
        store: SuggestionStore,
        active_ids: Callable[[str, int], Awaitable[list[str]]],
        traits_of: Callable[[list[str], Collection[str]], Awaitable[dict[str, dict[str, Any]]]],
        model_file: Path,
        rules: IdentityRules,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.active_ids = active_ids
        self.traits_of = traits_of
        self.model_file = model_file
        self.rules = rules
        self.blocklist = BlockList.from_rules(rules)
        self.clock = clock
        self._model: LinkageModel | None = None
        #: One scan at a time in a process: a run outlasting its hour is not doubled.
        self._running = asyncio.Lock()

    def model(self) -> LinkageModel:
        """The model of `model_file`, read at the first scan (a ConfigurationError naming the
        key if it is wrong)."""
        if self._model is None:
            from app.services.identity.linkage.model import LinkageModel

            self._model = LinkageModel.load(self.model_file)
        return self._model

    async def records(self) -> tuple[int, list[LinkageRecord]]:
        """Every active profile, and the comparable records among them."""
        from app.services.identity.linkage.records import TRAITS_READ

        read = (*TRAITS_READ, "country")  # only these are opened
        seen, found, after = 0, [], ""
        while ids := await self.active_ids(after, PAGE):
            after = ids[-1]
            seen += len(ids)
            traits: Mapping[str, Mapping[str, Any]] = await self.traits_of(ids, read)
            # Parsing a page's phone numbers and names is CPU work: done in a thread, it does
            # not hold up the worker's event loop (the resolver, the change feed) meanwhile.
            found += await asyncio.to_thread(self._records_of, ids, traits)
        return seen, found

    def _records_of(
        self, ids: list[str], traits: Mapping[str, Mapping[str, Any]]
    ) -> list[LinkageRecord]:
        """The comparable records of a page of profiles."""
        from app.services.identity.linkage.records import record_of

        found = []
        for pid in ids:
            record = record_of(pid, self._usable_phone(traits.get(pid, {})))
            if record is not None:
                found.append(record)
        return found

    def _usable_phone(self, traits: Mapping[str, Any]) -> Mapping[str, Any]:
        """The golden record with its phone as identity resolution reads it (E.164, in the
        country of the trait `country` or the default region), or without it when resolution
        would drop it: a placeholder many people type (5555555555) must not score as one
        number shared."""
        raw = traits.get("phone")
        if raw is None:
            return traits
        rules = self.rules
        region = event_region(traits, {}, rules.phone_region_from, rules.default_region)
        found = classify_identifier(PHONE, str(raw), region, self.blocklist)
        usable = found.value if isinstance(found, NormalisedIdentifier) else None
        return {**traits, "phone": usable}

    async def scan(self, limit: int = SCAN_LIMIT) -> ScanReport:
        if self._running.locked():
            return ScanReport(0, 0, 0, 0, 0.0)
        async with self._running:
            return await self._scan(limit)

    async def _scan(self, limit: int) -> ScanReport:
        started = time.monotonic()
        model = self.model()
        seen, records = await self.records()
        # Scoring is CPU work: off the event loop, which the resolver may share.
        # The model's prior is per comparable record, as it was trained: its population is
        # the records given.
        pairs = await asyncio.to_thread(model.dedupe, records) if len(records) > 1 else []
        filed_before: set[str] = set()
        subjects = [f"same_person:{p.a}|{p.b}" for p in pairs]
        for start in range(0, len(subjects), PAGE):
            filed_before |= await self.store.filed(subjects[start : start + PAGE])
        rows = [
            NewSuggestion(
                id=str(uuid.uuid4()),
                kind="likely_same_person",
                subject=subject,
                probability=p.probability,
                weight=p.weight,
                verdicts=p.verdicts,
                profiles=(p.a, p.b),
            )
            for p, subject in zip(pairs, subjects, strict=True)
            if subject not in filed_before
        ][:limit]
        filed = await self.store.file(rows, self.clock())
        return ScanReport(seen, len(records), len(pairs), filed, time.monotonic() - started)
