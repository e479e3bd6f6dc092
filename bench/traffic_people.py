"""Drawing people for the traffic: their devices, profile, sessions, logins, shared family
devices and junk calls, each person's messages in their own time order."""

from __future__ import annotations

import random
from typing import Any

from app.domain.identity import (
    ANONYMOUS_ID,
    DEVICE_ID,
    EMAIL,
    PHONE,
    USER_ID,
)
from app.domain.messages import external_type
from bench.traffic_ids import IdentifierDraws
from bench.traffic_model import (
    CONSENT,
    COUNTRIES,
    DAY,
    DEVICES,
    EVENTS,
    EXTERNAL_TYPE,
    FIRST,
    JUNK,
    LIBRARY,
    PAGES,
    PLANS,
    Device,
    Person,
    iso,
)


class PeopleDraws(IdentifierDraws):
    """People and their messages, drawn in the order that makes the traffic reproducible."""

    # -- people ---------------------------------------------------------------------------

    def _device(self, pid: str, shared: bool = False) -> Device:
        r = self.rng
        type_, manufacturer, model = r.choice(DEVICES)
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
        return Device(raw, type_, manufacturer, model, anonymous, shared)

    def _person(self, visitor: bool) -> Person:
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
        person = Person(pid, user_id, emails or [], phone, external, devices)
        self._profile(person)
        return person

    def _profile(self, person: Person) -> None:
        """Plan, country, lifetime value and consent, from their own random stream."""
        if not self.config.marketing:
            return
        p = self.profile_rng
        person.plan = p.choices([n for n, _ in PLANS], [w for _, w in PLANS])[0]
        person.country = p.choices([n for n, _ in COUNTRIES], [w for _, w in COUNTRIES])[0]
        # A long tail: the median customer has spent about 90, one in thirteen over 500.
        person.lifetime_value = round(p.lognormvariate(4.5, 1.2), 2)
        if p.random() < self.config.p_consent:
            person.consent = {category: p.random() < share for category, share in CONSENT}

    @staticmethod
    def _with_consent(person: Person) -> None:
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
        device: Device | None,
        *,
        rng: random.Random | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        message: dict[str, Any] = {"type": type_, "messageId": self._uuid(rng)}
        message.update({k: v for k, v in fields.items() if v is not None})
        message["context"] = device.context() if device else {"library": dict(LIBRARY)}
        message["timestamp"] = iso(at)
        return message

    def _browse(
        self,
        at: float,
        device: Device,
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
                "track", at, device, rng=r, **ids, event=r.choice(EVENTS), properties=props
            )
        name = r.choice(PAGES)
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

    def _sessions(self, person: Person, t: float) -> float:
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

    def _give_traits(self, person: Person, t: float) -> float:
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
            traits: dict[str, Any] = {
                "firstName": r.choice(FIRST).title(),
                "plan": person.plan,
            }
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

    def _family_device(self, owner: Person, partner: Person, t: float) -> None:
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

    def _household(self) -> list[Person]:
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
