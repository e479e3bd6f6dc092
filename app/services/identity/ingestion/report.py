"""What a batch write is told (its mode) and what it reports."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.domain.identity import Refusal
from app.services.changes.notices import ProfileNotice


@dataclass(frozen=True)
class WriteMode:
    """How a batch is written.

    `rotating`: a blind-index rotation is pending, so identifiers may be stored under an
    older kid: each is sealed for the key it is stored under, and the batch starts again
    should the rotation move one meanwhile. `look_up`: which of the batch's events are stored
    is read under the lock; without it (a first delivery from the stream) a stored event
    fails the transaction on its unique id, and the batch is written again with the lookup.
    """

    rotating: bool = False
    look_up: bool = True

    def looking_up(self) -> WriteMode:
        return WriteMode(rotating=self.rotating, look_up=True)


@dataclass(frozen=True)
class IngestReport:
    """What a batch did (counts only: the resolver needs no more)."""

    stored: int
    duplicates: int
    dropped_identifiers: dict[str, int] = field(default_factory=dict)
    new_conflicts: tuple[Refusal, ...] = ()
    merges: int = 0
    splits: int = 0
    #: Messages dropped because one of their identifiers belongs to an erased subject.
    suppressed: int = 0
    consents: int = 0
    #: What changed, for profileUpdated subscribers (ids only).
    notices: tuple[ProfileNotice, ...] = ()
    #: Times the batch's transaction ran again: a writer beside this one stored one of its
    #: events or identifiers first, or Neo4j broke a deadlock between two writers.
    retries: int = 0
