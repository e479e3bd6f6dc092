"""The traffic model's vocabulary: its knobs, the values people are drawn from, the junk
trackers send, and the people, devices and batches the generator makes (bench/generator.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from app.domain.identity import (
    ANONYMOUS_ID,
    DEVICE_ID,
    EMAIL,
    PHONE,
    USER_ID,
)

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

FIRST = ("ada", "ben", "chloe", "dev", "emma", "farid", "grace", "hugo", "ines", "jon", "kai")
LAST = ("smith", "okafor", "garcia", "nguyen", "muller", "rossi", "kowalski", "tanaka", "silva")
DOMAINS = ("example.org", "mail.example.net", "shop.example", "corp.example.com")
US_AREAS = (
    "201", "202", "206", "212", "213", "303", "305", "312", "404", "415",
    "503", "512", "602", "617", "702", "713", "718", "808", "917", "919",
)  # fmt: skip
EVENTS = ("Product Viewed", "Product Added", "Checkout Started", "Order Completed", "Searched")
PAGES = ("Home", "Category", "Product", "Cart", "Help")
DEVICES = (
    ("ios", "Apple", "iPhone15,2"),
    ("ios", "Apple", "iPad13,4"),
    ("android", "Google", "Pixel 8"),
    ("android", "samsung", "SM-S911B"),
)
LIBRARY = {"name": "analytics-python", "version": "2.3.3"}
#: Plans, countries and their shares among people who log in.
PLANS = (("free", 70), ("pro", 25), ("business", 5))
COUNTRIES = (("US", 40), ("GB", 20), ("DE", 12), ("FR", 12), ("ES", 8), ("NL", 8))
#: The consent banner's categories (matched to purposes through config/consent.yaml) and how
#: often each is granted by someone who answers it.
CONSENT = (("Advertising", 0.5), ("Analytics", 0.8), ("Functional", 0.6))
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
class Device:
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
        return {"device": device, "library": dict(LIBRARY)}


@dataclass
class Person:
    pid: str
    user_id: str | None
    emails: list[str]
    phone: str | None
    external: str | None
    devices: list[Device]
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
