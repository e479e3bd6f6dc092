"""A tracked message (Segment's spec, already parsed) and the identifiers it carries.

The tracking API turns HTTP bodies into `TrackedMessage`; the resolver only sees these. What a
message says about identity is decided here, without I/O: which identifiers it carries, which
one owns the event, which evidence rule links them, and which values were dropped and why.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from app.domain.devices import Fact, device_facts
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
from app.domain.identity.spelling import NO_MAILBOX_RULES, Mailboxes, event_region

MessageType = Literal["identify", "track", "page", "screen", "group", "alias"]
MESSAGE_TYPES: frozenset[str] = frozenset({"identify", "track", "page", "screen", "group", "alias"})
_EXTERNAL_TYPE_CLEAN = re.compile(r"[^a-z0-9_]+")


@dataclass(frozen=True)
class TrackedMessage:
    """One Segment-spec message with its corrected time, as the resolver receives it."""

    message_id: str
    type: MessageType
    source_id: str
    received_at: float
    timestamp: float
    user_id: str | None = None
    anonymous_id: str | None = None
    previous_id: str | None = None
    event: str | None = None
    name: str | None = None
    group_id: str | None = None
    traits: Mapping[str, Any] = field(default_factory=dict)
    properties: Mapping[str, Any] = field(default_factory=dict)
    context: Mapping[str, Any] = field(default_factory=dict)
    #: Notes from the tracking API, e.g. "timestamp_clamped" (a client clock in the future).
    flags: tuple[str, ...] = ()

    @property
    def display_name(self) -> str | None:
        """The event's name: a track's event, a page's or screen's name."""
        return self.event if self.type == "track" else self.name


@dataclass(frozen=True)
class Dropped:
    """A value that did not become an identifier, and why (never the value itself)."""

    type: str
    reason: Literal["blocked", "invalid"]


@dataclass(frozen=True)
class DeviceSighting:
    """The device a message comes from, named by one of its identifiers: its device id, or
    else its anonymous id (a web "device" is one browser profile), and the plain facts the
    message tells about it (app/domain/devices.py)."""

    identifier: NormalisedIdentifier
    kind: Literal["device", "browser"]
    facts: Mapping[str, Fact]


@dataclass(frozen=True)
class MessageIdentity:
    """What one message says about identity."""

    owner: NormalisedIdentifier | None
    identifiers: tuple[NormalisedIdentifier, ...]
    rule: str
    dropped: tuple[Dropped, ...]
    device: DeviceSighting | None = None

    def pairs(self) -> list[tuple[NormalisedIdentifier, NormalisedIdentifier]]:
        """Evidence edges of the message: a star from the owner to every other identifier.

        A star carries the same connectivity as every pair (n - 1 edges instead of
        n(n-1)/2), which keeps the evidence graph, and the cost of loading it, small. Without
        an owner (no usable identifier) there is nothing to link.
        """
        owner = self.owner
        if owner is None:
            return []
        return [(owner, other) for other in self.identifiers if other != owner]


def evidence_rule(message: TrackedMessage) -> str:
    """An identify or alias call asserts identity; anything else is co-occurrence."""
    if message.type == "identify":
        return "identify"
    if message.type == "alias":
        return "alias"
    return "co_occurrence"


def external_type(raw_type: str) -> str:
    """`context.externalIds[].type` as an identifier type: lower-case, `[a-z0-9_]`."""
    cleaned = _EXTERNAL_TYPE_CLEAN.sub("_", raw_type.strip().lower()).strip("_")
    if cleaned and not cleaned[0].isalpha():
        cleaned = f"x_{cleaned}"
    return cleaned[:64]


def _text(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float | str):
        return str(value)
    return None


def _sub(mapping: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = mapping.get(key)
    return value if isinstance(value, Mapping) else {}


def raw_identifiers(
    message: TrackedMessage, previous_type: str = ANONYMOUS_ID
) -> list[tuple[str, str]]:
    """(type, value) pairs as sent, in a fixed order: the owner candidates come first.
    ``previous_type`` is what an alias's previousId is read as."""
    found: list[tuple[str, Any]] = [
        (USER_ID, message.user_id),
        (ANONYMOUS_ID, message.anonymous_id),
    ]
    if message.type == "alias":
        # Segment's previousId is usually the anonymous id the user had before login; an
        # account migration names an old user id instead (see `probes`).
        found.append((previous_type, message.previous_id))
    context_traits = _sub(message.context, "traits")
    for type_ in (EMAIL, PHONE):
        found.append((type_, message.traits.get(type_)))
        found.append((type_, context_traits.get(type_)))
    found.append((DEVICE_ID, _sub(message.context, "device").get("id")))
    external = message.context.get("externalIds")
    if isinstance(external, list):
        for item in external:
            if isinstance(item, Mapping) and isinstance(item.get("type"), str):
                found.append((external_type(item["type"]), item.get("id")))
    return [(t, text) for t, v in found if t and (text := _text(v)) is not None]


@lru_cache(maxsize=200_000)
def classify_identifier(
    type_: str,
    raw: str,
    region: str | None,
    blocklist: BlockList,
    mailboxes: Mailboxes = NO_MAILBOX_RULES,
) -> NormalisedIdentifier | Dropped:
    """The normalised identifier, or why it was dropped. Pure, so cached: the same anonymous
    id or e-mail arrives again and again, and phone parsing is not cheap."""
    try:
        ident = NormalisedIdentifier(type_, normalise(type_, raw, region, mailboxes))
    except IdentifierError:
        return Dropped(type_, "invalid")
    if blocklist.is_blocked(ident, raw):
        return Dropped(type_, "blocked")
    return ident


def message_region(message: TrackedMessage, rules: IdentityRules) -> str | None:
    """The country the message's national phone numbers are read in."""
    return event_region(
        message.traits, message.context, rules.phone_region_from, rules.default_region
    )


def probes(
    message: TrackedMessage, rules: IdentityRules, blocklist: BlockList
) -> tuple[NormalisedIdentifier, ...]:
    """Identifiers the message carries only if the graph already holds them:
    - an alias's previousId as a *user id* (an account migration from an old user id to a
      new one), where it is otherwise read as the anonymous id from before a login;
    - an e-mail address as it was spelled before its provider's mailbox rule applied
      (``j.doe@gmail.com`` beside ``jdoe@gmail.com``): a graph written before the rule keeps
      the old spelling's node, which the new spelling then joins."""
    found: list[NormalisedIdentifier] = []
    if message.type == "alias" and (previous := _text(message.previous_id)) is not None:
        as_user = classify_identifier(USER_ID, previous, None, blocklist)
        if isinstance(as_user, NormalisedIdentifier):
            found.append(as_user)
    region = message_region(message, rules)
    for type_, raw in raw_identifiers(message):
        if type_ != EMAIL:
            continue
        plain = classify_identifier(type_, raw, region, blocklist)
        ruled = classify_identifier(type_, raw, region, blocklist, rules.mailboxes)
        if isinstance(plain, NormalisedIdentifier) and plain != ruled:
            found.append(plain)
    return tuple(dict.fromkeys(found))


def identify_message(
    message: TrackedMessage,
    rules: IdentityRules,
    blocklist: BlockList,
    held: Collection[NormalisedIdentifier] = (),
) -> MessageIdentity:
    """Normalise and filter the message's identifiers and choose the event's owner.
    ``held``: those of the message's :func:`probes` the graph holds (or the batch names)."""
    kept: dict[tuple[str, str], NormalisedIdentifier] = {}
    dropped: list[Dropped] = []
    region = message_region(message, rules)
    migrated = any(p.type == USER_ID for p in held)
    previous_type = USER_ID if migrated else ANONYMOUS_ID
    for type_, raw in raw_identifiers(message, previous_type):
        found = classify_identifier(type_, raw, region, blocklist, rules.mailboxes)
        if isinstance(found, Dropped):
            dropped.append(found)
        else:
            kept.setdefault((found.type, found.value), found)
    for probe in held:
        kept.setdefault((probe.type, probe.value), probe)
    if rules.emails_in_user_ids:
        for address in _emails_in_user_ids(kept.values(), region, blocklist, rules):
            kept.setdefault((address.type, address.value), address)
    identifiers = tuple(kept.values())
    owner = _owner(identifiers, rules)
    device = device_sighting(message, kept, region, blocklist, rules.mailboxes)
    return MessageIdentity(owner, identifiers, evidence_rule(message), tuple(dropped), device)


def _emails_in_user_ids(
    kept: Iterable[NormalisedIdentifier],
    region: str | None,
    blocklist: BlockList,
    rules: IdentityRules,
) -> list[NormalisedIdentifier]:
    """The e-mail identifiers of user ids that are e-mail addresses (`emails_in_user_ids`);
    a user id with an `@` that is no usable address adds nothing."""
    found = []
    for ident in kept:
        if ident.type == USER_ID and "@" in ident.value:
            address = classify_identifier(EMAIL, ident.value, region, blocklist, rules.mailboxes)
            if isinstance(address, NormalisedIdentifier):
                found.append(address)
    return found


def device_sighting(
    message: TrackedMessage,
    kept: Mapping[tuple[str, str], NormalisedIdentifier],
    region: str | None,
    blocklist: BlockList,
    mailboxes: Mailboxes = NO_MAILBOX_RULES,
) -> DeviceSighting | None:
    """The device the message comes from: the one its usable device id names, else the
    browser its usable anonymous id names if the message tells anything about it (a server
    call with an anonymous id alone is no sighting of a browser); else none."""
    facts = device_facts(message.context)
    named: tuple[tuple[Literal["device", "browser"], str, Any], ...] = (
        ("device", DEVICE_ID, _sub(message.context, "device").get("id")),
        ("browser", ANONYMOUS_ID, message.anonymous_id),
    )
    for kind, type_, raw in named:
        text = _text(raw)
        if text is None or (kind == "browser" and not facts):
            continue
        found = classify_identifier(type_, text, region, blocklist, mailboxes)
        if isinstance(found, NormalisedIdentifier) and (found.type, found.value) in kept:
            return DeviceSighting(found, kind, facts)
    return None


def _owner(
    identifiers: tuple[NormalisedIdentifier, ...], rules: IdentityRules
) -> NormalisedIdentifier | None:
    """userId if usable, else anonymousId, else the highest-priority identifier left."""
    for wanted in (USER_ID, ANONYMOUS_ID):
        for ident in identifiers:
            if ident.type == wanted:
                return ident
    ranked = sorted(identifiers, key=lambda i: (rules.priority_key(i.type), i.value))
    return ranked[0] if ranked else None
