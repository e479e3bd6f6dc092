"""A scenario as it is written: messages in Segment's spec, and, beside each identifier it
carries, who really sent it (or that it is junk). The truths are derived from these facts only.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bench.identity_scenarios.canon import canonical

#: An identifier as sent: (type, raw value).
Sent = tuple[str, str]
#: Epoch seconds at which every scenario's story starts (a fixed day, 60 days ago at most).
DAY = 86_400.0


@dataclass(frozen=True)
class Carried:
    """One identifier of one message: who sent it (None: junk, nobody's), and the country the
    message was written in (for national phone numbers)."""

    sent: Sent
    person: str | None
    country: str | None
    #: Where the message said its country, as sent: (the trait `country`, `context.locale`).
    said: tuple[str | None, str | None] = (None, None)
    #: Sent by a former owner: the value passed to someone else later (a recycled number).
    former: bool = False

    @property
    def canonical(self) -> tuple[str, str]:
        return self.sent[0], canonical(self.sent[0], self.sent[1], self.country)


@dataclass
class Script:
    """Messages of one scenario with the facts of each identifier, in the order they happen."""

    name: str
    start: float
    rng: random.Random
    messages: list[dict[str, Any]] = field(default_factory=list)
    #: Per message, the identifiers it carries.
    carried: list[list[Carried]] = field(default_factory=list)
    people: set[str] = field(default_factory=set)
    #: The people who are bots (a crawler, a script): a bot suspect about one is right.
    bots: set[str] = field(default_factory=set)
    #: Per message, the time it arrives at the platform (defaults to its timestamp).
    arrival: list[float] = field(default_factory=list)

    def person(self, label: str, *, bot: bool = False) -> str:
        pid = f"{self.name}:{label}"
        self.people.add(pid)
        if bot:
            self.bots.add(pid)
        return pid

    def uid(self, prefix: str) -> str:
        return f"{prefix}-{uuid.UUID(int=self.rng.getrandbits(128)).hex[:16]}"

    def send(
        self,
        person: str,
        kind: str,
        at: float,
        *,
        user: str | None = None,
        anon: str | None = None,
        email: str | None = None,
        phone: str | None = None,
        device: str | None = None,
        previous: str | None = None,
        traits: dict[str, Any] | None = None,
        locale: str | None = None,
        event: str = "Viewed Page",
        junk: Iterable[str] = (),
        former: Iterable[str] = (),
        arrives: float | None = None,
    ) -> None:
        """One message of `person` at `at`; the fields named in `junk` carry junk values
        (nobody's), those named in `former` a value the person later loses to someone else,
        and `previous` (alias) is the person's earlier id."""
        junk_fields, former_fields = set(junk), set(former)
        given = dict(traits or {})
        if email is not None:
            given["email"] = email
        if phone is not None:
            given["phone"] = phone
        if given and kind != "identify":
            raise ValueError("traits (e-mail, phone) travel in identify messages")
        message = self._message(kind, at, user, anon, previous, event, given)
        context: dict[str, Any] = {}
        if device is not None:
            context["device"] = {"id": device, "type": "ios"}
        if locale is not None:
            context["locale"] = locale
        if context:
            message["context"] = context
        country = given.get("country") or (locale.split("-")[-1].upper() if locale else None)
        carried = []
        for name, type_, value in (
            ("user", "user_id", user),
            ("anon", "anonymous_id", anon),
            ("previous", "user_id", previous),
            ("email", "email", email),
            ("phone", "phone", phone),
            ("device", "device_id", device),
        ):
            if value is not None:
                owner = None if name in junk_fields else person
                said = (given.get("country"), locale)
                carried.append(Carried((type_, value), owner, country, said, name in former_fields))
        self.messages.append(message)
        self.carried.append(carried)
        self.arrival.append(at if arrives is None else arrives)

    def _message(
        self,
        kind: str,
        at: float,
        user: str | None,
        anon: str | None,
        previous: str | None,
        event: str,
        traits: dict[str, Any],
    ) -> dict[str, Any]:
        """The Segment-spec message without its context."""
        message: dict[str, Any] = {
            "type": kind,
            "messageId": str(uuid.UUID(int=self.rng.getrandbits(128))),
            "timestamp": datetime.fromtimestamp(at, UTC).isoformat(),
        }
        for name, value in (("userId", user), ("anonymousId", anon), ("previousId", previous)):
            if value is not None:
                message[name] = value
        if kind == "track":
            message["event"] = event
        if traits:
            message["traits"] = traits
        return message


@dataclass(frozen=True)
class Scenario:
    """A named case: its story, what the platform should make of it, and its messages."""

    name: str
    story: str
    expected: str
    script: Script

    @property
    def size(self) -> int:
        return len(self.script.messages)
