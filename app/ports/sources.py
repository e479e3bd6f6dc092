"""What tracking sources need from storage: sources and the digests of their write keys."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Source:
    """Who may send events, into which workspace, with what trust (0 < trust <= 1)."""

    id: str
    ws: str
    name: str
    trust: float


class SourceStore(Protocol):
    #: The workspace the store reads and writes in.
    ws: str

    async def create(
        self, *, source_id: str, name: str, trust: float, key_hash: str, at: float
    ) -> None:
        """Store a new source whose write key has the digest `key_hash`."""

    async def ensure(
        self, *, source_id: str, name: str, trust: float, key_hash: str, at: float
    ) -> None:
        """Create the source if its id is unknown (with this name and trust); either way its
        write key is the one with digest `key_hash` afterwards."""

    async def set_key(self, source_id: str, key_hash: str, at: float) -> bool:
        """Replace the source's key digest; False if the workspace has no such source."""

    async def set_trust(self, source_id: str, trust: float, at: float) -> Source | None:
        """Give the source a new trust; None if the workspace has no such source."""

    async def list(self) -> list[Source]:
        """The workspace's sources, by name then id."""

    async def by_key_hash(self, key_hash: str) -> Source | None:
        """The workspace's source whose write key has this digest (another workspace's key
        finds nothing)."""
