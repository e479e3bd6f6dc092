"""Seeded Segment-spec traffic with ground truth: who is who, known before the platform guesses.

The model, per person: one to three devices, each with one or two anonymous ids (a second one
after a logout); every anonymous session browses first and most later log in, by an `identify`
call or by an `alias` (previousId = the anonymous id); one or two e-mails and at most one phone
arrive in `identify` traits, spelled differently from call to call (case, spaces, phone
formats); some people carry a CRM id in `context.externalIds`. Some people never log in
(visitors: anonymous ids and a device only). Some pairs of people share a family device: its
owner logs in on it first, the other person logs in later with a different `userId`, so the
rules keep them apart and the device stays with its owner. Junk values (`null`, an all-zero
UUID, `test@test.com`...) appear now and then; the platform must drop them, so they never merge
anybody and never enter the truth. Within a window the delivery order is shuffled, and a few
batches are sent twice.

The truth maps every (identifier type, normalised value) to a person id. It is achievable under
the shipped rules (config/identity.yaml): every identifier of a person co-occurs with the
person's `userId`, or with a device or anonymous id that does, and the per-person counts stay
under the type caps (at most 2 e-mails, 1 phone, 4 devices and 7 anonymous ids).

Besides identity, people carry what a marketer's segments and journeys look at: a plan (free,
pro, business), a country and a lifetime value in their `identify` traits, and, for most of
them, the answer they gave the consent banner (Segment's `context.consent.categoryPreferences`
on every call of their own devices). These are drawn from a random stream of their own, so the
identifiers, times and order of the traffic do not depend on them.

People are generated in chunks and each chunk is emitted whole, so memory stays flat for
millions of events and no person is ever cut in half (which would make recall unreachable).

`returning()` brings the same people back later (a fresh generator with the same config
re-creates them, chunk by chunk, from the seed): each person who logs in opens a new anonymous
session (a browser that lost its cookie), logs in again and browses, on one of their own
devices.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

from app.domain.identity import (
    ANONYMOUS_ID,
)
from bench.traffic_model import (
    DAY,
    RETURN_CALLS,
    Batch,
    Person,
    TrafficConfig,
    TrafficStats,
    iso,
)
from bench.traffic_people import PeopleDraws

__all__ = [
    "DAY",
    "RETURN_CALLS",
    "Batch",
    "TrafficConfig",
    "TrafficGenerator",
    "TrafficStats",
    "iso",
]


class TrafficGenerator(PeopleDraws):
    """Reproducible traffic: the same config gives the same messages, batches and truth."""

    # -- returning people ------------------------------------------------------------------

    def _fresh_anonymous_id(self, rng: random.Random, pid: str) -> str:
        """A new anonymous id (a new cookie), drawn from `rng`, unique within the generator."""
        while True:
            raw = self._uuid(rng)
            value = self._usable(ANONYMOUS_ID, raw)
            if value is None:
                continue
            taken = (ANONYMOUS_ID, value)
            if taken not in self._used and taken not in self._returned:
                self._returned.add(taken)
                self._remember(ANONYMOUS_ID, value, pid, self.returning_stats)
                return raw

    def _visit(
        self, person: Person, rng: random.Random, start: float, span: float
    ) -> list[tuple[float, dict[str, Any]]]:
        """One returning visit: a new anonymous session on one of the person's own devices,
        a call before logging in, the login (`identify`), then the rest logged in."""
        assert person.user_id is not None
        own = [d for d in person.devices if not d.shared]
        device = own[rng.randrange(len(own))]
        anon = self._fresh_anonymous_id(rng, person.pid)
        t = start + rng.random() * span
        visit = [(t, self._browse(t, device, anon, None, rng, screens=False))]
        t += rng.expovariate(1 / 60)
        plan = person.plan
        if self.config.marketing and plan == "free" and rng.random() < self.config.p_upgrade:
            plan = "pro"
        email = self._spell_email(person.emails[rng.randrange(len(person.emails))], rng)
        traits = {"email": email, "plan": plan}
        login = self._message(
            "identify", t, device, rng=rng, userId=person.user_id, anonymousId=anon, traits=traits
        )
        visit.append((t, login))
        for _ in range(RETURN_CALLS - 1):
            t += rng.expovariate(1 / 300)
            visit.append((t, self._browse(t, device, anon, person.user_id, rng, screens=False)))
        if person.consent is not None:  # a new cookie: the banner again, answered the same
            for _, message in visit:
                message["context"]["consent"] = {"categoryPreferences": dict(person.consent)}
        return visit

    def _visits(
        self, people: list[Person], rng: random.Random, start: float, span: float
    ) -> list[dict[str, Any]]:
        """The returning visits of a chunk of people, interleaved as they arrive."""
        timeline: list[tuple[float, int, dict[str, Any]]] = []
        for person in people:
            if person.user_id is None:
                continue  # a visitor who never logged in cannot be recognised
            self.returning_stats.people += 1
            for at, message in self._visit(person, rng, start, span):
                timeline.append((at, len(timeline), message))
                self.returning_stats.last_at = max(self.returning_stats.last_at, at)
        return self._delivery_order(timeline, rng)

    def returning(
        self, max_events: int, start: float, span_seconds: float = DAY * 0.9
    ) -> Iterator[Batch]:
        """The people of `batches(max_events)` under the same config come back.

        Each person who logs in opens a new anonymous session (a browser that lost its
        cookie) on one of their own devices between `start` and `start + span_seconds`: one
        call before logging in, an `identify` with their user id, then RETURN_CALLS - 1 calls
        logged in (track, page or screen); visits are interleaved across people and batched
        as `batches` does (replays included). The people are re-created from the seed, chunk
        by chunk, exactly as `batches(max_events)` made them (its draws are replayed, its
        messages thrown away), so memory stays flat; call it on a fresh generator. With
        `track_truth` the truth holds the original identifiers and the new anonymous ids.
        """
        if self._people or self.stats.batches:
            raise RuntimeError("returning() re-creates the people: call it on a fresh generator")
        rng = random.Random(f"{self.config.seed}:returning")
        waiting: list[list[Person]] = []

        def tap() -> Iterator[list[dict[str, Any]]]:
            for people, messages in self._chunks(max_events):
                waiting.append(people)
                yield messages

        original = self._batched(tap(), self.rng, self.stats)

        def visits() -> Iterator[list[dict[str, Any]]]:
            # The original batches are drawn (and dropped) in their order, so that the
            # generator's random stream, and with it every person, is the same as then.
            for _ in original:
                while waiting:
                    yield self._visits(waiting.pop(0), rng, start, span_seconds)
            while waiting:
                yield self._visits(waiting.pop(0), rng, start, span_seconds)

        return self._batched(visits(), rng, self.returning_stats)

    # -- delivery -------------------------------------------------------------------------

    def _delivery_order(
        self, timeline: list[tuple[float, int, dict[str, Any]]], rng: random.Random
    ) -> list[dict[str, Any]]:
        """Messages in time order, shuffled within windows (as delivery mixes them)."""
        timeline.sort(key=lambda row: (row[0], row[1]))
        messages = [m for _, _, m in timeline]
        window = max(1, self.config.shuffle_window)
        for i in range(0, len(messages), window):
            part = messages[i : i + window]
            rng.shuffle(part)
            messages[i : i + window] = part
        return messages

    def _chunk(self, budget: int) -> tuple[list[Person], list[dict[str, Any]]]:
        """Whole households until the chunk is full or the event budget is spent."""
        timeline: list[tuple[float, int, dict[str, Any]]] = []
        people: list[Person] = []
        households = 0
        while households < self.config.people_per_chunk and len(timeline) < budget:
            for person in self._household():
                people.append(person)
                for at, message in person.timeline:
                    timeline.append((at, len(timeline), message))
            households += 1
        return people, self._delivery_order(timeline, self.rng)

    def _chunks(self, max_events: int) -> Iterator[tuple[list[Person], list[dict[str, Any]]]]:
        """Chunks of people and their messages until about `max_events` messages."""
        produced = 0
        while produced < max_events:
            people, messages = self._chunk(max_events - produced)
            produced += len(messages)
            yield people, messages

    def _batched(
        self, chunks: Iterator[list[dict[str, Any]]], rng: random.Random, stats: TrafficStats
    ) -> Iterator[Batch]:
        """Batches of `batch_size` messages, some sent again a few batches later."""
        cfg = self.config
        pending: list[dict[str, Any]] = []
        replays: list[tuple[int, Batch]] = []

        def emit(messages: list[dict[str, Any]]) -> Iterator[Batch]:
            stats.batches += 1
            stats.messages += len(messages)
            yield Batch(messages)
            if rng.random() < cfg.p_replay:
                replays.append((stats.batches + rng.randint(1, 5), Batch(messages, True)))
            due = [b for when, b in replays if when <= stats.batches]
            replays[:] = [(when, b) for when, b in replays if when > stats.batches]
            for batch in due:
                stats.replayed_messages += len(batch.messages)
                yield batch

        for chunk in chunks:
            pending.extend(chunk)
            while len(pending) >= cfg.batch_size:
                head, pending = pending[: cfg.batch_size], pending[cfg.batch_size :]
                yield from emit(head)
        if pending:
            yield from emit(pending)
        for _, batch in replays:
            stats.replayed_messages += len(batch.messages)
            yield batch

    def batches(self, max_events: int) -> Iterator[Batch]:
        """About `max_events` distinct messages (whole people), plus replayed batches."""
        return self._batched(
            (messages for _, messages in self._chunks(max_events)), self.rng, self.stats
        )
