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
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from app.domain.identity import (
    ANONYMOUS_ID,
    DEVICE_ID,
    EMAIL,
    PHONE,
    USER_ID,
    BlockList,
    IdentifierError,
    IdentityRules,
    NormalisedIdentifier,
    normalise,
)
from app.domain.messages import external_type

#: 2025-01-01T00:00:00Z: the default first instant, so that a seed alone reproduces the traffic.
DEFAULT_START = 1_735_689_600.0
DAY = 86_400.0
EXTERNAL_TYPE = "crm_id"

#: Values that trackers really send and that must never become identifiers.
JUNK: dict[str, tuple[str, ...]] = {
    USER_ID: ("null", "undefined", "anonymous", "0"),
    ANONYMOUS_ID: ("00000000-0000-0000-0000-000000000000", "undefined", "null"),
    DEVICE_ID: ("00000000-0000-0000-0000-000000000000", "unknown", "0"),
    EMAIL: ("test@test.com", " Test@Test.com", "noreply@example.com"),
    PHONE: ("+10000000000", "000-000"),
}

_FIRST = ("ada", "ben", "chloe", "dev", "emma", "farid", "grace", "hugo", "ines", "jon", "kai")
_LAST = ("smith", "okafor", "garcia", "nguyen", "muller", "rossi", "kowalski", "tanaka", "silva")
_DOMAINS = ("example.org", "mail.example.net", "shop.example", "corp.example.com")
_US_AREAS = (
    "201", "202", "206", "212", "213", "303", "305", "312", "404", "415",
    "503", "512", "602", "617", "702", "713", "718", "808", "917", "919",
)  # fmt: skip
_EVENTS = ("Product Viewed", "Product Added", "Checkout Started", "Order Completed", "Searched")
_PAGES = ("Home", "Category", "Product", "Cart", "Help")
_DEVICES = (
    ("ios", "Apple", "iPhone15,2"),
    ("ios", "Apple", "iPad13,4"),
    ("android", "Google", "Pixel 8"),
    ("android", "samsung", "SM-S911B"),
)
_LIBRARY = {"name": "analytics-python", "version": "2.3.3"}
#: Plans, countries and their shares among people who log in.
_PLANS = (("free", 70), ("pro", 25), ("business", 5))
_COUNTRIES = (("US", 40), ("GB", 20), ("DE", 12), ("FR", 12), ("ES", 8), ("NL", 8))
#: The consent banner's categories (matched to purposes through config/consent.yaml) and how
#: often each is granted by someone who answers it.
_CONSENT = (("Advertising", 0.5), ("Analytics", 0.8), ("Functional", 0.6))
#: Calls of a returning visit besides its `identify`: one before logging in, the rest after.
RETURN_CALLS = 4


@dataclass(frozen=True)
class TrafficConfig:
    """Knobs of the traffic model; the defaults are what the benchmark uses."""

    seed: int = 1
    #: Epoch seconds of the earliest event; the traffic spans `span_days` after it.
    start: float = DEFAULT_START
    span_days: float = 30.0
    max_devices: int = 3
    p_second_anonymous_id: float = 0.3
    p_second_email: float = 0.4
    p_phone: float = 0.6
    p_external_id: float = 0.2
    #: People who never log in.
    p_visitor: float = 0.1
    #: People who share a family device with a partner (both log in on it).
    p_family: float = 0.1
    #: Sessions after the first identified by `alias` instead of `identify`.
    p_alias: float = 0.3
    #: Logged-in calls that carry one junk value (or a message made only of junk values).
    p_junk: float = 0.05
    #: Plans, countries, lifetime values and consent answers (what a marketer's segments look
    #: at); off, the traffic is the identity-only traffic of before, byte for byte.
    marketing: bool = True
    #: People who answer the consent banner (their devices' calls carry the answer).
    p_consent: float = 0.7
    #: Returning people on a free plan who have upgraded to pro since.
    p_upgrade: float = 0.1
    #: Delivery order is shuffled within windows of this many messages.
    shuffle_window: int = 200
    #: Batches sent a second time, a few batches later (same messageIds).
    p_replay: float = 0.02
    batch_size: int = 100
    people_per_chunk: int = 200
    #: Keep the truth (off for long load phases that never measure accuracy).
    track_truth: bool = True


@dataclass(frozen=True)
class Batch:
    """One /v1/batch body's messages; `replay` marks a batch that was already sent once."""

    messages: list[dict[str, Any]]
    replay: bool = False


@dataclass
class TrafficStats:
    people: int = 0
    visitors: int = 0
    families: int = 0
    messages: int = 0
    replayed_messages: int = 0
    batches: int = 0
    junk_messages: int = 0
    unowned_messages: int = 0
    identifiers: int = 0
    #: The latest event time generated (must stay before the time of sending).
    last_at: float = 0.0


@dataclass
class _Device:
    id: str
    type: str
    manufacturer: str
    model: str
    anonymous_ids: list[str]
    #: A family device (both partners log in on it): a returning visit never uses it.
    shared: bool = False

    def context(self) -> dict[str, Any]:
        device = {
            "id": self.id,
            "type": self.type,
            "manufacturer": self.manufacturer,
            "model": self.model,
        }
        return {"device": device, "library": dict(_LIBRARY)}


@dataclass
class _Person:
    pid: str
    user_id: str | None
    emails: list[str]
    phone: str | None
    external: str | None
    devices: list[_Device]
    #: (time, message) in the person's own time order.
    timeline: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    #: The person's identify calls, to receive the e-mails, phone and external id.
    identifies: list[dict[str, Any]] = field(default_factory=list)
    plan: str = "free"
    country: str = "US"
    lifetime_value: float = 0.0
    #: The consent banner's answer ({category: granted}), None for people who ignore it.
    consent: dict[str, bool] | None = None


def iso(at: float) -> str:
    """Epoch seconds as ISO-8601 UTC with milliseconds, as the SDKs write it."""
    text = datetime.fromtimestamp(at, UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


class TrafficGenerator:
    """Reproducible traffic: the same config gives the same messages, batches and truth."""

    def __init__(self, config: TrafficConfig, rules: IdentityRules | None = None) -> None:
        self.config = config
        self.rules = rules or IdentityRules()
        self.blocklist = BlockList.from_rules(self.rules)
        self.rng = random.Random(config.seed)
        #: Traits and consent: a stream of their own, so that they leave the rest unchanged.
        self.profile_rng = random.Random(f"{config.seed}:profile")
        self.truth: dict[tuple[str, str], str] = {}
        self.stats = TrafficStats()
        #: The traffic of `returning()`.
        self.returning_stats = TrafficStats()
        self._used: set[tuple[str, str]] = set()
        #: New anonymous ids of returning visits (apart, so the people's own draws never see
        #: them).
        self._returned: set[tuple[str, str]] = set()
        self._people = 0
        self._check_junk()

    # -- identifiers ----------------------------------------------------------------------

    def _check_junk(self) -> None:
        """Every junk value must be dropped by the platform, or it would glue people."""
        for type_, values in JUNK.items():
            for raw in values:
                if self._usable(type_, raw) is not None:
                    raise ValueError(f"junk {type_} value {raw!r} would become an identifier")

    def _usable(self, type_: str, raw: str) -> str | None:
        """The normalised value, or None when the platform drops it (invalid or blocked)."""
        try:
            value = normalise(type_, raw, self.rules.default_region)
        except IdentifierError:
            return None
        if self.blocklist.is_blocked(NormalisedIdentifier(type_, value), raw):
            return None
        return value

    def junk_identifiers(self) -> set[tuple[str, str]]:
        """(type, normalised value) of junk values that normalise: none may exist in the graph."""
        out: set[tuple[str, str]] = set()
        for type_, values in JUNK.items():
            for raw in values:
                try:
                    out.add((type_, normalise(type_, raw, self.rules.default_region)))
                except IdentifierError:
                    continue
        return out

    def _claim(self, type_: str, make: Callable[[], str]) -> tuple[str, str]:
        """A fresh (raw, normalised) value of this type, unique within the generator."""
        for _ in range(100):
            raw = make()
            value = self._usable(type_, raw)
            if value is not None and (type_, value) not in self._used:
                self._used.add((type_, value))
                return raw, value
        raise RuntimeError(f"could not make a fresh {type_}")

    def _uuid(self, rng: random.Random | None = None) -> str:
        return str(uuid.UUID(int=(rng or self.rng).getrandbits(128), version=4))

    def _hex(self, bits: int) -> str:
        return f"{self.rng.getrandbits(bits):0{bits // 4}x}"

    def _email(self) -> str:
        r = self.rng
        local = f"{r.choice(_FIRST)}.{r.choice(_LAST)}.{self._hex(24)}"
        return f"{local}@{r.choice(_DOMAINS)}"

    def _phone(self) -> str:
        r = self.rng
        if r.random() < 0.7:
            return f"+1{r.choice(_US_AREAS)}{r.randint(2, 9)}{r.randint(0, 999_999):06d}"
        return f"+447{r.randint(400, 999)}{r.randint(0, 999_999):06d}"

    def _spell_email(self, email: str, rng: random.Random | None = None) -> str:
        """Another spelling of the same address: case and surrounding spaces vary."""
        r = rng or self.rng
        style = r.randrange(4)
        if style == 1:
            email = email.upper()
        elif style == 2:
            local, _, domain = email.partition("@")
            email = f"{local.title()}@{domain.upper()}"
        return f" {email} " if r.random() < 0.2 else email

    def _spell_phone(self, e164: str) -> str:
        r = self.rng
        style = r.randrange(3)
        if e164.startswith("+1") and style == 1:
            return f"+1 ({e164[2:5]}) {e164[5:8]}-{e164[8:]}"
        if e164.startswith("+1") and style == 2:
            return f"+1 {e164[2:5]} {e164[5:8]} {e164[8:]}"
        if e164.startswith("+44") and style == 1:
            return f"+44 {e164[3:7]} {e164[7:]}"
        return e164

    def _remember(
        self, type_: str, value: str, pid: str, stats: TrafficStats | None = None
    ) -> None:
        if not self.config.track_truth:
            return
        owner = self.truth.setdefault((type_, value), pid)
        if owner != pid:
            raise RuntimeError(f"{type_} value given to two people")
        (stats or self.stats).identifiers += 1

    # -- people ---------------------------------------------------------------------------

    def _device(self, pid: str, shared: bool = False) -> _Device:
        r = self.rng
        type_, manufacturer, model = r.choice(_DEVICES)
        if type_ == "ios":
            raw, value = self._claim(DEVICE_ID, lambda: self._uuid().upper())
        else:
            raw, value = self._claim(DEVICE_ID, lambda: self._hex(64))
        self._remember(DEVICE_ID, value, pid)
        sessions = 2 if not shared and r.random() < self.config.p_second_anonymous_id else 1
        anonymous: list[str] = []
        for _ in range(sessions):
            anon, anon_value = self._claim(ANONYMOUS_ID, self._uuid)
            self._remember(ANONYMOUS_ID, anon_value, pid)
            anonymous.append(anon)
        return _Device(raw, type_, manufacturer, model, anonymous, shared)

    def _person(self, visitor: bool) -> _Person:
        r = self.rng
        self._people += 1
        pid = f"p{self.config.seed}-{self._people}"
        user_id = emails = phone = external = None
        if not visitor:
            user_id, value = self._claim(USER_ID, lambda: f"usr_{self._hex(64)}")
            self._remember(USER_ID, value, pid)
            emails = []
            for _ in range(2 if r.random() < self.config.p_second_email else 1):
                email, value = self._claim(EMAIL, self._email)
                self._remember(EMAIL, value, pid)
                emails.append(email)
            if r.random() < self.config.p_phone:
                phone, value = self._claim(PHONE, self._phone)
                self._remember(PHONE, value, pid)
            if r.random() < self.config.p_external_id:
                external, value = self._claim(EXTERNAL_TYPE, lambda: f"CRM-{self._hex(40)}")
                self._remember(external_type(EXTERNAL_TYPE), value, pid)
        # A visitor's devices would share nothing: one device, or the truth were unreachable.
        count = 1 if visitor else r.randint(1, self.config.max_devices)
        devices = [self._device(pid) for _ in range(count)]
        person = _Person(pid, user_id, emails or [], phone, external, devices)
        self._profile(person)
        return person

    def _profile(self, person: _Person) -> None:
        """Plan, country, lifetime value and consent, from their own random stream."""
        if not self.config.marketing:
            return
        p = self.profile_rng
        person.plan = p.choices([n for n, _ in _PLANS], [w for _, w in _PLANS])[0]
        person.country = p.choices([n for n, _ in _COUNTRIES], [w for _, w in _COUNTRIES])[0]
        # A long tail: the median customer has spent about 90, one in thirteen over 500.
        person.lifetime_value = round(p.lognormvariate(4.5, 1.2), 2)
        if p.random() < self.config.p_consent:
            person.consent = {category: p.random() < share for category, share in _CONSENT}

    @staticmethod
    def _with_consent(person: _Person) -> None:
        """The banner's answer on every call of the person's devices (a tracker repeats it)."""
        if person.consent is None:
            return
        for _, message in person.timeline:
            if "device" in message["context"]:
                message["context"]["consent"] = {"categoryPreferences": dict(person.consent)}

    # -- messages -------------------------------------------------------------------------

    def _message(
        self,
        type_: str,
        at: float,
        device: _Device | None,
        *,
        rng: random.Random | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        message: dict[str, Any] = {"type": type_, "messageId": self._uuid(rng)}
        message.update({k: v for k, v in fields.items() if v is not None})
        message["context"] = device.context() if device else {"library": dict(_LIBRARY)}
        message["timestamp"] = iso(at)
        return message

    def _browse(
        self,
        at: float,
        device: _Device,
        anon: str | None,
        user: str | None,
        rng: random.Random | None = None,
        screens: bool = True,
    ) -> dict[str, Any]:
        """A track, page or screen call (track or page without `screens`): co-occurrence
        evidence only."""
        r = rng or self.rng
        kind = r.choices(("track", "page", "screen"), (5, 3, 2 if screens else 0))[0]
        ids = {"anonymousId": anon, "userId": user}
        if kind == "track":
            props = {
                "product_id": f"sku-{r.randint(1, 5000)}",
                "price": round(r.uniform(3, 300), 2),
            }
            return self._message(
                "track", at, device, rng=r, **ids, event=r.choice(_EVENTS), properties=props
            )
        name = r.choice(_PAGES)
        props = {
            "path": f"/{name.lower()}/{r.randint(1, 500)}",
            "referrer": "https://search.example",
        }
        return self._message(kind, at, device, rng=r, **ids, name=name, properties=props)

    def _junk(self, message: dict[str, Any]) -> dict[str, Any]:
        """Put one junk value into a logged-in call whose evidence is redundant anyway."""
        r = self.rng
        self.stats.junk_messages += 1
        where = r.randrange(4)
        if where == 0:
            message["anonymousId"] = r.choice(JUNK[ANONYMOUS_ID])
        elif where == 1 and "device" in message["context"]:
            message["context"]["device"]["id"] = r.choice(JUNK[DEVICE_ID])
        elif where == 2:
            message["context"]["traits"] = {"email": r.choice(JUNK[EMAIL])}
        else:
            message["context"]["traits"] = {"phone": r.choice(JUNK[PHONE])}
        return message

    def _junk_only(self, at: float) -> dict[str, Any]:
        """A call with nothing usable: stored unowned, must merge nobody."""
        r = self.rng
        self.stats.junk_messages += 1
        self.stats.unowned_messages += 1
        return self._message(
            "track",
            at,
            None,
            userId=r.choice(JUNK[USER_ID]),
            anonymousId=r.choice(JUNK[ANONYMOUS_ID]),
            event="App Opened",
        )

    def _gap(self, mean_seconds: float) -> float:
        return self.rng.expovariate(1.0 / mean_seconds)

    def _sessions(self, person: _Person, t: float) -> float:
        """The person's own devices: browse anonymously, log in, browse logged in."""
        r = self.rng
        cfg = self.config
        first = True
        for device in person.devices:
            for anon in device.anonymous_ids:
                t += self._gap(DAY)
                for _ in range(r.randint(1, 4)):
                    t += self._gap(600)
                    person.timeline.append((t, self._browse(t, device, anon, None)))
                if person.user_id is None:
                    continue
                t += self._gap(300)
                if not first and r.random() < cfg.p_alias:
                    login = self._message(
                        "alias", t, device, userId=person.user_id, previousId=anon
                    )
                else:
                    login = self._message(
                        "identify", t, device, userId=person.user_id, anonymousId=anon, traits={}
                    )
                    person.identifies.append(login)
                person.timeline.append((t, login))
                first = False
                for _ in range(r.randint(1, 5)):
                    t += self._gap(900)
                    message = self._browse(t, device, anon, person.user_id)
                    if r.random() < cfg.p_junk:
                        message = self._junk(message)
                    person.timeline.append((t, message))
                if r.random() < cfg.p_junk / 2:
                    t += self._gap(60)
                    person.timeline.append((t, self._junk_only(t)))
        return t

    def _give_traits(self, person: _Person, t: float) -> float:
        """E-mails, phone and external id go into identify traits, each at least once."""
        r = self.rng
        if person.user_id is None:
            return t
        calls = person.identifies
        for email in person.emails[len(calls) :]:
            # More e-mails than logins: a later server-side identify (no device) adds it.
            t += self._gap(DAY)
            call = self._message("identify", t, None, userId=person.user_id, traits={})
            call["traits"] = {"email": email}
            calls.append(call)
            person.timeline.append((t, call))
        for i, call in enumerate(calls):
            traits: dict[str, Any] = {"firstName": r.choice(_FIRST).title(), "plan": person.plan}
            if self.config.marketing:
                traits["country"] = person.country
                traits["lifetimeValue"] = person.lifetime_value
            email = person.emails[i] if i < len(person.emails) else r.choice(person.emails)
            traits["email"] = self._spell_email(email)
            call["traits"] = traits
        if person.phone is not None:
            r.choice(calls)["traits"]["phone"] = self._spell_phone(person.phone)
        if person.external is not None:
            calls[0]["context"]["externalIds"] = [
                {"id": person.external, "type": EXTERNAL_TYPE, "collection": "users"}
            ]
        return t

    def _family_device(self, owner: _Person, partner: _Person, t: float) -> None:
        """A device both log in on: the owner first, so the device stays with the owner."""
        r = self.rng
        assert owner.user_id is not None and partner.user_id is not None
        device = self._device(owner.pid, shared=True)
        anon = device.anonymous_ids[0]
        for _ in range(r.randint(1, 3)):
            t += self._gap(600)
            owner.timeline.append((t, self._browse(t, device, anon, None)))
        t += self._gap(300)
        login = self._message(
            "identify", t, device, userId=owner.user_id, anonymousId=anon, traits={}
        )
        owner.timeline.append((t, login))
        for _ in range(r.randint(1, 3)):
            t += self._gap(900)
            owner.timeline.append((t, self._browse(t, device, anon, owner.user_id)))
        # The partner logs in later on the same device: no traits, only the user id.
        t += self._gap(DAY / 4)
        partner.timeline.append(
            (t, self._message("identify", t, device, userId=partner.user_id, anonymousId=anon))
        )
        for _ in range(r.randint(1, 3)):
            t += self._gap(900)
            partner.timeline.append((t, self._browse(t, device, anon, partner.user_id)))
        owner.devices.append(device)
        self.stats.last_at = max(self.stats.last_at, t)

    def _household(self) -> list[_Person]:
        """One person, or two who share a family device."""
        r = self.rng
        cfg = self.config
        span = cfg.span_days * DAY
        if r.random() < cfg.p_family:
            owner, partner = self._person(False), self._person(False)
            self.stats.families += 1
            people = [owner, partner]
        else:
            visitor = r.random() < cfg.p_visitor
            self.stats.visitors += int(visitor)
            people = [self._person(visitor)]
        for person in people:
            end = self._sessions(person, cfg.start + r.random() * span * 0.5)
            end = self._give_traits(person, end)
            self.stats.last_at = max(self.stats.last_at, end)
            if len(people) == 2 and person is people[0]:
                self._family_device(people[0], people[1], min(end, cfg.start + span * 0.8))
        for person in people:
            self._with_consent(person)
        self.stats.people += len(people)
        return people

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
        self, person: _Person, rng: random.Random, start: float, span: float
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
        self, people: list[_Person], rng: random.Random, start: float, span: float
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
        waiting: list[list[_Person]] = []

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

    def _chunk(self, budget: int) -> tuple[list[_Person], list[dict[str, Any]]]:
        """Whole households until the chunk is full or the event budget is spent."""
        timeline: list[tuple[float, int, dict[str, Any]]] = []
        people: list[_Person] = []
        households = 0
        while households < self.config.people_per_chunk and len(timeline) < budget:
            for person in self._household():
                people.append(person)
                for at, message in person.timeline:
                    timeline.append((at, len(timeline), message))
            households += 1
        return people, self._delivery_order(timeline, self.rng)

    def _chunks(self, max_events: int) -> Iterator[tuple[list[_Person], list[dict[str, Any]]]]:
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
