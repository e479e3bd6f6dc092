"""The rows an identity transaction writes and reads, as the Cypher files under
cypher/identity/, cypher/traits/ and cypher/consent/ name their fields (`row.<field>`): one
TypedDict per shape, so a field that a query reads and a service forgot to build, or builds
under another name, is a type error and not a null in the graph."""

from __future__ import annotations

from typing import Any, TypedDict


class IdentifierRow(TypedDict):
    """An identifier as a batch writes it (`identity/merge_identifiers`): its node key, its
    blind index (`kid`, `hash`), its sealed value and when the batch saw it."""

    key: str
    type: str
    kid: str
    hash: str
    enc: str
    first: float
    last: float


class ClaimedIdentifierRow(IdentifierRow):
    """An identifier of a component decided before the write, created first
    (`identity/claim_identifiers`) with its generic flag."""

    generic: bool


class PlacedIdentifierRow(ClaimedIdentifierRow):
    """A claimed identifier with the profile it is attached to (`attach_identifiers`)."""

    profile: str


class EvidenceRow(TypedDict):
    """An evidence edge between two identifier keys (a < b) under one rule, as a batch saw it
    (`identity/merge_evidence`); `late` for a late-binding rule, whose count matters."""

    a: str
    b: str
    rule: str
    weight: float
    count: int
    first: float
    last: float
    source: str | None
    late: bool


class LinkRow(EvidenceRow):
    """A new edge of a decided component (`identity/create_evidence`), with its state."""

    followed: bool
    refusal: str | None


class LinkStateRow(TypedDict):
    """An edge's state after a recomputation (`identity/set_link_states`)."""

    a: str
    b: str
    rule: str
    followed: bool
    refusal: str | None


class GenericRow(TypedDict):
    key: str
    generic: bool


class MoveRow(TypedDict):
    """An identifier moved to a profile (`identity/move_identifiers`)."""

    key: str
    profile: str


class MergeRow(TypedDict):
    from_id: str
    into_id: str
    reason: str


class SplitRow(TypedDict):
    from_id: str
    new_id: str
    reason: str


class EventRow(TypedDict):
    """A stored event (`identity/create_events`): its payload sealed for its owner (an
    identifier key; None for an unowned event, sealed under the workspace's key)."""

    id: str
    type: str
    name: str | None
    at: float
    received_at: float
    source: str
    plain: str
    enc: str
    owner: str | None
    flags: list[str]


class ObservationRow(TypedDict):
    """A trait observation on an identifier (`traits/merge_observations`), aggregated over a
    batch: plain `value` or sealed `enc`, and the event of its latest sighting."""

    key: str
    owner: str
    field: str
    vid: str
    value: Any
    enc: str | None
    source: str
    first: float
    last: float
    count: int
    confidence: float
    event: str


class GoldenRow(TypedDict):
    """A profile's golden record as written (`traits/set_golden`, `identity/create_profiles`):
    the plain values as `t_<field>` properties and the whole record as JSON."""

    id: str
    plain: dict[str, Any]
    golden: str


class ConsentRow(TypedDict):
    """A consent decision on an identifier (`consent/record`)."""

    id: str
    owner: str
    purpose: str
    granted: bool
    at: float
    source: str
    expires_at: float | None
    event: str | None
    explicit: bool
    recorded_at: float


class FoundIdentifier(TypedDict):
    """A stored identifier and its active profile (`identity/find_identifiers`)."""

    key: str
    type: str
    blocked: bool
    generic: bool
    profile: str | None


class SuccessionRow(TypedDict):
    """Succession evidence from a stored identifier read in place of another
    (`identity/successions_of`): an alias's previousId stored as an anonymous id (`previous`)
    while no user id of that value was stored, linked by a successor rule to the user id the
    alias named (`successor`)."""

    previous: str
    successor: str
    rule: str
    first: float
    last: float
    source: str | None


class Representative(TypedDict):
    """A profile asked for, the active profile at the end of its lineage, and an identifier
    of that one (`identity/profile_representatives`)."""

    requested: str
    active: str
    status: str
    representative: str
