"""Identity-resolution rules: one frozen value, validated once, passed to the pure core.

Keeping the rules a plain value (no globals, no I/O) is what lets clustering be a function of
the evidence and the configuration alone, and lets tests try other configurations freely.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any

import phonenumbers

from app.domain.identity.identifiers import (
    ANONYMOUS_ID,
    DEFAULT_BLOCKED_PATTERNS,
    DEFAULT_BLOCKED_VALUES,
    PHONE,
)
from app.domain.identity.rules_values import (
    PARSERS,
    RulesError,
    days,
    hours,
    link_weight,
    positive_int,
    rule_name,
    type_name,
)
from app.domain.identity.spelling import DEFAULT_MAILBOXES, REGION_SOURCES, Mailbox, Mailboxes

#: Weight of an evidence edge by the rule that produced it: an explicit merge by a person
#: is certain, an identify/alias call nearly so, co-occurrence in one event much less.
DEFAULT_LINK_WEIGHTS: Mapping[str, float] = MappingProxyType(
    {"manual_merge": 1.0, "identify": 0.9, "alias": 0.9, "import": 0.8, "co_occurrence": 0.6}
)
#: Most identifiers of a type one person can own: one login, a few addresses, more devices.
DEFAULT_TYPE_CAPS: Mapping[str, int] = MappingProxyType(
    {"user_id": 1, "email": 3, "phone": 3, "device_id": 10, "anonymous_id": 100}
)
DEFAULT_TYPE_PRIORITY: tuple[str, ...] = ("user_id", "email", "phone", "device_id", "anonymous_id")
#: Carriers give a number out again after 45 to 90 days unused; a work address passes to a
#: successor when someone leaves, seldom within a year.
DEFAULT_REASSIGNED_AFTER_DAYS: Mapping[str, float] = MappingProxyType(
    {"phone": 90.0, "email": 365.0}
)
#: A browser that loses its cookie gives a new anonymous id at most about weekly for a
#: person: a hundred new ones within a week is a login many people share, or a script.
DEFAULT_CAP_WINDOW_DAYS: Mapping[str, float] = MappingProxyType({"anonymous_id": 7.0})


def _frozen_map(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(value))


@dataclass(frozen=True)
class IdentityRules:
    """Everything the clustering and assignment need to know about policy.

    Defaults: one ``user_id`` per profile, a loyal visitor's browsers kept however many
    (the cap of 100 anonymous ids, 120 identifiers in all, counts those first seen within a
    week of the newest), and generic identifiers above 25 distinct neighbours
    (docs/accuracy.md measures them).
    """

    link_weights: Mapping[str, float] = field(default_factory=lambda: DEFAULT_LINK_WEIGHTS)
    #: Per-type limit inside one cluster; an absent type is limited only by ``total_cap``.
    type_caps: Mapping[str, int] = field(default_factory=lambda: DEFAULT_TYPE_CAPS)
    #: Highest first; external id types not listed rank right after ``phone``.
    type_priority: tuple[str, ...] = DEFAULT_TYPE_PRIORITY
    total_cap: int = 120
    #: Types whose cap counts only recent values: those first seen within this many days
    #: before the newest of the type in the profile. Older ones are retired: they stay in the
    #: profile with their history and count towards neither their type cap nor ``total_cap``.
    cap_window_days: Mapping[str, float] = field(default_factory=lambda: DEFAULT_CAP_WINDOW_DAYS)
    generic_degree: int = 25
    #: A value of a type capped at one per profile (a user id) sharing more than this many
    #: of its session identifiers with more than this many other values of its type is junk
    #: ("[object Object]" sent as the user id of everyone whose login form breaks), and
    #: generic like the above.
    generic_rivals: int = 3
    #: Links of these rules between two values of one type say the second succeeds the first
    #: (an alias from an old user id to a new one): the pair counts once against the type cap.
    successor_rules: frozenset[str] = frozenset({"alias"})
    #: Types a person keeps collecting (a new anonymous id whenever a browser loses its
    #: cookie). They do not count towards ``generic_degree``: a user id joined by many
    #: sessions is a loyal customer, not a shared value. Over their type cap or the total cap,
    #: a profile lets its oldest ones go instead of refusing the newest.
    session_types: frozenset[str] = frozenset({ANONYMOUS_ID})
    #: Rules whose edges are followed only once ``count`` reaches ``late_binding_threshold``.
    late_binding_rules: frozenset[str] = frozenset()
    #: Identifier types whose links (to anything) are late-binding too, e.g. a shared phone.
    late_binding_types: frozenset[str] = frozenset()
    late_binding_threshold: int = 2
    blocked_patterns: tuple[str, ...] = DEFAULT_BLOCKED_PATTERNS
    blocked_values: frozenset[str] = DEFAULT_BLOCKED_VALUES
    default_region: str | None = None
    #: Where an event says the country of its national phone numbers, in order of belief:
    #: ``country`` (the trait) and ``locale`` (``context.locale``); ``default_region`` after.
    phone_region_from: tuple[str, ...] = REGION_SOURCES
    #: Mailbox rules per e-mail domain: dots and tags the provider ignores, its main domain.
    email_providers: Mapping[str, Mailbox] = field(default_factory=lambda: DEFAULT_MAILBOXES)
    #: Types whose values pass from one person to another (a recycled phone number, a work
    #: address given to a successor), with the days of silence that make it so: a value first
    #: seen with a new owner (a value of a contended type: a user id) more than this many
    #: days after it was last seen with any earlier one belongs to the new owner from then on;
    #: its older evidence stops linking (refused ``reassigned``).
    reassigned_after_days: Mapping[str, float] = field(
        default_factory=lambda: DEFAULT_REASSIGNED_AFTER_DAYS
    )
    #: A user id that is an e-mail address (some sources log people in by address) is also
    #: that e-mail identifier, so it meets the address another source sends as a trait.
    emails_in_user_ids: bool = True
    #: The bot rate: an identifier that sent more than ``bot_events`` events within
    #: ``bot_window_hours`` of its latest one (a crawler keeping its cookie, a script) is
    #: filed in the review queue as a bot suspect; accepting blocks it.
    bot_events: int = 1000
    bot_window_hours: float = 24.0

    def __post_init__(self) -> None:
        # Validate on every construction, not only from_mapping, and freeze the mappings
        # so a shared rules object cannot be changed under a running resolver.
        object.__setattr__(self, "link_weights", _frozen_map(self.link_weights))
        object.__setattr__(self, "type_caps", _frozen_map(self.type_caps))
        object.__setattr__(self, "type_priority", tuple(self.type_priority))
        object.__setattr__(self, "session_types", frozenset(self.session_types))
        object.__setattr__(self, "late_binding_rules", frozenset(self.late_binding_rules))
        object.__setattr__(self, "late_binding_types", frozenset(self.late_binding_types))
        object.__setattr__(self, "blocked_patterns", tuple(self.blocked_patterns))
        object.__setattr__(self, "blocked_values", frozenset(self.blocked_values))
        object.__setattr__(self, "successor_rules", frozenset(self.successor_rules))
        object.__setattr__(self, "phone_region_from", tuple(self.phone_region_from))
        object.__setattr__(self, "email_providers", _frozen_map(self.email_providers))
        object.__setattr__(self, "reassigned_after_days", _frozen_map(self.reassigned_after_days))
        object.__setattr__(self, "cap_window_days", _frozen_map(self.cap_window_days))
        _validate(self)
        object.__setattr__(self, "mailboxes", Mailboxes.of(self.email_providers))
        contended = (t for t, n in self.type_caps.items() if n == 1 and t not in self.session_types)
        object.__setattr__(self, "contended_types", frozenset(contended))

    #: The mailbox rules as normalisation takes them (derived from ``email_providers``).
    mailboxes: Mailboxes = field(init=False, compare=False, repr=False)
    #: Types one profile holds one of (a user id): values of them can contend for the same
    #: session identifiers, which is how junk among them shows (``generic_rivals``). Derived
    #: from ``type_caps`` and ``session_types`` once, not on every clustering.
    contended_types: frozenset[str] = field(init=False, compare=False, repr=False)

    def __hash__(self) -> int:
        # mappingproxy is unhashable; hash the sorted items so rules can key a cache.
        items = tuple(
            tuple(sorted(v.items())) if isinstance(v, Mapping) else v
            for v in (getattr(self, f.name) for f in fields(self))
        )
        return hash(items)

    def priority_key(self, type: str) -> tuple[int, int, str]:
        """Sort key, smallest = most important; unlisted types rank after ``phone``."""
        if type in self.type_priority:
            return (self.type_priority.index(type), 0, type)
        anchor = (
            self.type_priority.index(PHONE)
            if PHONE in self.type_priority
            else len(self.type_priority)
        )
        return (anchor, 1, type)

    def is_late(self, rule: str, type_a: str, type_b: str) -> bool:
        """Whether a link waits for ``late_binding_threshold`` pieces of evidence."""
        late_types = self.late_binding_types
        return rule in self.late_binding_rules or type_a in late_types or type_b in late_types

    def weight_for(self, rule: str) -> float:
        """The configured weight of ``rule``; RulesError names an unknown rule."""
        try:
            return self.link_weights[rule]
        except KeyError:
            raise RulesError(f"link_weights: unknown rule {rule!r}") from None

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> IdentityRules:
        """Build rules from configuration data (YAML/JSON shaped).

        Absent keys keep their defaults; a present key replaces the whole default value (a
        partial ``type_caps`` is the complete cap table). Unknown keys are errors, so a typo
        cannot silently leave a default in force.
        """
        if not isinstance(data, Mapping):
            raise RulesError("identity rules: expected a mapping")
        known = {f.name for f in fields(cls) if f.init}
        unknown = sorted(str(k) for k in data if k not in known)
        if unknown:
            raise RulesError(f"identity rules: unknown key(s) {', '.join(unknown)}")
        kwargs: dict[str, Any] = {}
        for key, value in data.items():
            kwargs[key] = PARSERS[key](key, value)
        return cls(**kwargs)

    def to_mapping(self) -> dict[str, Any]:
        """Plain data that :meth:`from_mapping` turns back into equal rules."""
        return {
            "link_weights": dict(self.link_weights),
            "type_caps": dict(self.type_caps),
            "type_priority": list(self.type_priority),
            "total_cap": self.total_cap,
            "cap_window_days": dict(self.cap_window_days),
            "generic_degree": self.generic_degree,
            "generic_rivals": self.generic_rivals,
            "successor_rules": sorted(self.successor_rules),
            "session_types": sorted(self.session_types),
            "late_binding_rules": sorted(self.late_binding_rules),
            "late_binding_types": sorted(self.late_binding_types),
            "late_binding_threshold": self.late_binding_threshold,
            "blocked_patterns": list(self.blocked_patterns),
            "blocked_values": sorted(self.blocked_values),
            "default_region": self.default_region,
            "phone_region_from": list(self.phone_region_from),
            "reassigned_after_days": dict(self.reassigned_after_days),
            "emails_in_user_ids": self.emails_in_user_ids,
            "bot_events": self.bot_events,
            "bot_window_hours": self.bot_window_hours,
            "email_providers": {
                domain: {
                    "same_as": m.same_as,
                    "ignore_dots": m.ignore_dots,
                    "tag_separator": m.tag_separator,
                }
                for domain, m in sorted(self.email_providers.items())
            },
        }


def _validate(rules: IdentityRules) -> None:
    """Cross-field checks, shared by direct construction and from_mapping."""
    for rule, w in rules.link_weights.items():
        rule_name("link_weights", rule)
        link_weight(f"link_weights.{rule}", w)
    for type_, cap in rules.type_caps.items():
        type_name("type_caps", type_)
        positive_int(f"type_caps.{type_}", cap)
    for type_ in rules.type_priority:
        type_name("type_priority", type_)
    for type_ in rules.session_types:
        type_name("session_types", type_)
    if len(set(rules.type_priority)) != len(rules.type_priority):
        raise RulesError("type_priority: duplicate type")
    positive_int("total_cap", rules.total_cap)
    positive_int("generic_degree", rules.generic_degree)
    positive_int("generic_rivals", rules.generic_rivals)
    positive_int("late_binding_threshold", rules.late_binding_threshold)
    positive_int("bot_events", rules.bot_events)
    hours("bot_window_hours", rules.bot_window_hours)
    unweighted = sorted(set(DEFAULT_LINK_WEIGHTS) - set(rules.link_weights))
    if unweighted:
        raise RulesError(f"link_weights: missing weight for rule(s) {', '.join(unweighted)}")
    missing = sorted(rules.late_binding_rules - set(rules.link_weights))
    if missing:
        raise RulesError(f"late_binding_rules: rule(s) without a weight {', '.join(missing)}")
    for pattern in rules.blocked_patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise RulesError(f"blocked_patterns: invalid pattern {pattern!r}: {exc}") from None
    for domain, mailbox in rules.email_providers.items():
        target = mailbox.same_as
        if target is not None and rules.email_providers.get(target, Mailbox()).same_as:
            raise RulesError(f"email_providers.{domain}: same_as names another alias {target!r}")
    for type_, after in rules.reassigned_after_days.items():
        type_name("reassigned_after_days", type_)
        days(f"reassigned_after_days.{type_}", after)
    for type_, window in rules.cap_window_days.items():
        type_name("cap_window_days", type_)
        days(f"cap_window_days.{type_}", window)
    region = rules.default_region
    if region is not None and region not in phonenumbers.SUPPORTED_REGIONS:
        raise RulesError(f"default_region: unknown region {region!r}")
