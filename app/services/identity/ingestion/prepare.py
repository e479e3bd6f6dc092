"""A batch's messages prepared for writing: one entry per distinct event, its identifiers
normalised and keyed (under the kid each is stored under, during a blind-index rotation)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from app.domain.identity import USER_ID, BlockList, IdentityRules, NormalisedIdentifier
from app.domain.messages import (
    MessageIdentity,
    TrackedMessage,
    classify_identifier,
    identify_message,
    probes,
)
from app.ports.identity_rows import EvidenceRow
from app.services.identity.keys import Sealer


@dataclass(frozen=True)
class Succession:
    """Evidence a message's user id gets beside its own: the edge of a successor rule (an
    alias) to a stored user id (app/services/identity/ingestion/successions.py)."""

    user: str
    successor: str
    rule: str
    first: float
    last: float
    source: str | None

    def row(self, weight: float) -> EvidenceRow:
        a, b = sorted((self.user, self.successor))
        return EvidenceRow(
            a=a,
            b=b,
            rule=self.rule,
            weight=weight,
            count=1,
            first=self.first,
            last=self.last,
            source=self.source,
            late=False,
        )


@dataclass(frozen=True)
class PreparedMessage:
    message: TrackedMessage
    identity: MessageIdentity
    event_id: str
    keys: dict[tuple[str, str], str]  # (type, value) -> node key
    #: node key -> its keys under every listed blind-index kid, the current one first (only
    #: while several are listed)
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: Identifiers the message carries only if stored (`app.domain.messages.probes`).
    probes: tuple[NormalisedIdentifier, ...] = ()
    #: Successor edges its user id takes from an alias that came before it.
    successions: tuple[Succession, ...] = ()

    def barred_by(self, suppressed: set[str]) -> set[str]:
        """This message's node keys whose identifier is suppressed under any kid."""
        return {
            key
            for key in self.keys.values()
            if key in suppressed or not suppressed.isdisjoint(self.aliases.get(key, ()))
        }

    @property
    def owner_key(self) -> str | None:
        owner = self.identity.owner
        return self.keys[(owner.type, owner.value)] if owner else None


def event_id(ws: str, message: TrackedMessage) -> str:
    """Unique per workspace, source and messageId: Neo4j's final arbiter of duplicates."""
    return f"{ws}:{message.source_id}:{message.message_id}"


def stored_key(candidates: Sequence[str], present: set[str]) -> str:
    """The key an identifier is stored under: the first listed kid's (current first) whose
    node exists, else the current kid's."""
    return next((k for k in candidates if k in present), candidates[0])


def moved(prepared: Sequence[PreparedMessage], present: set[str]) -> bool:
    """Whether some identifier is stored under another key than the one the batch was
    sealed for (a blind-index rotation re-keyed it meanwhile)."""
    return any(
        stored_key(candidates, present) != key
        for p in prepared
        for key, candidates in p.aliases.items()
    )


class Preparer:
    """Identifies and keys messages; pure CPU work, run in a thread by the service."""

    def __init__(self, ws: str, sealer: Sealer, rules: IdentityRules) -> None:
        self.ws = ws
        self.sealer = sealer
        self.rules = rules
        self.blocklist = BlockList.from_rules(rules)

    def prepare(
        self,
        messages: Sequence[TrackedMessage],
        present: set[str] | None = None,
        stored: Collection[NormalisedIdentifier] = (),
    ) -> list[PreparedMessage]:
        """One entry per distinct event. `present` (only during a blind-index rotation) names
        the identifier nodes that exist under any listed kid: each identifier then takes the
        key it is already stored under, and the probes stored under any kid count as stored.
        `stored`: the messages' probes the graph holds (see `probe_keys`)."""
        distinct: dict[str, TrackedMessage] = {}
        for m in messages:
            distinct.setdefault(event_id(self.ws, m), m)
        probed = {eid: probes(m, self.rules, self.blocklist) for eid, m in distinct.items()}
        known = set(stored) | self.named_in_batch(messages)
        if present:
            found = {p for ps in probed.values() for p in ps}
            known |= {p for p in found if not present.isdisjoint(self.sealer.candidate_keys(p))}
        prepared: list[PreparedMessage] = []
        for eid, message in distinct.items():
            held = [p for p in probed[eid] if p in known]
            identity = identify_message(message, self.rules, self.blocklist, held)
            keys: dict[tuple[str, str], str] = {}
            aliases: dict[str, tuple[str, ...]] = {}
            for i in identity.identifiers:
                key = self.sealer.key_of(i).key
                if self.sealer.rotating:
                    # An identifier erased before a blind-index rotation is suppressed under
                    # the kid it had then: look under every listed kid.
                    candidates = self.sealer.candidate_keys(i)
                    key = stored_key(candidates, present or set())
                    aliases[key] = tuple(candidates)
                keys[(i.type, i.value)] = key
            prepared.append(PreparedMessage(message, identity, eid, keys, aliases, probed[eid]))
        return prepared

    def probe_keys(
        self, prepared: Sequence[PreparedMessage]
    ) -> dict[NormalisedIdentifier, tuple[str, ...]]:
        """The prepared messages' probes, each with its keys under every listed kid."""
        found = {p for m in prepared for p in m.probes}
        return {p: tuple(self.sealer.candidate_keys(p)) for p in sorted(found)}

    def named_in_batch(self, messages: Sequence[TrackedMessage]) -> set[NormalisedIdentifier]:
        """The user ids the batch's messages name: an alias in the same batch as the old
        user id's own events reads its previousId as that user id."""
        named = (
            classify_identifier(USER_ID, m.user_id, None, self.blocklist)
            for m in messages
            if m.user_id and m.type != "alias"
        )
        return {n for n in named if isinstance(n, NormalisedIdentifier)}

    def identifier_keys(self, message: TrackedMessage) -> set[str]:
        """The node keys, under every listed kid, of every identifier a message carries or
        may carry (its probes)."""
        identity = identify_message(message, self.rules, self.blocklist)
        carried = [*identity.identifiers, *probes(message, self.rules, self.blocklist)]
        return {k for i in carried for k in self.sealer.candidate_keys(i)}
