"""What changed on profiles, gathered from the change feed for one round of the dispatcher,
and the segment memberships that moved as a result."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from app.ports.segments import MembershipChange as MembershipChange

#: Kinds of change that can move any segment (the profile itself appeared, merged or split).
#: Not `joined`: identifiers seen for the first time bring only their batch's events,
#: consents and traits, each announced on its own, and their types (`joined`).
STRUCTURAL = {"merged", "merged_into", "split", "created", "identifiers", "erased"}


@dataclass
class ProfileChanges:
    """What changed, per profile: kinds of notice and names of new events."""

    kinds: dict[str, set[str]] = field(default_factory=dict)
    events: dict[str, set[str]] = field(default_factory=dict)
    #: Trait fields whose golden value changed (a `traits` notice without names: any).
    traits: dict[str, set[str]] = field(default_factory=dict)
    #: The other profiles a notice names (a merge's survivor, a split's new profiles).
    related: dict[tuple[str, str], set[str]] = field(default_factory=dict)

    def add(self, profile_id: str, kind: str, related: Iterable[str] = ()) -> None:
        self.kinds.setdefault(profile_id, set()).add(kind)
        if kind != "traits" and related:
            self.related.setdefault((profile_id, kind), set()).update(related)
        if kind == "traits":
            self.traits.setdefault(profile_id, set()).update(related or {"*"})

    def joined(self, profile_id: str) -> set[str]:
        """The types of the identifiers seen for the first time that joined the profile."""
        return self.related.get((profile_id, "joined"), set())

    def add_event(self, profile_id: str, name: str | None) -> None:
        self.events.setdefault(profile_id, set()).add(name or "")

    @property
    def profiles(self) -> set[str]:
        return set(self.kinds) | set(self.events)
