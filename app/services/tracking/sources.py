"""Tracking sources: who may send events, into which workspace, with what trust.

A write key is shown once, at creation; only its SHA-256 digest is stored. Keys are random
(32 bytes), so a fast digest is enough and lets every request be checked in microseconds.
"""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from app.errors import InvalidInput, NotFound
from app.ports.sources import Source, SourceStore

__all__ = [
    "CACHE_SECONDS",
    "DEFAULT_SOURCE_ID",
    "NewSource",
    "Source",
    "SourceService",
    "key_digest",
    "new_write_key",
]

#: How long an authenticated key is remembered in-process (a rotated key stops within this).
CACHE_SECONDS = 30.0
DEFAULT_SOURCE_ID = "default"


@dataclass(frozen=True)
class NewSource:
    source: Source
    write_key: str  # shown once


def key_digest(write_key: str) -> str:
    return hashlib.sha256(write_key.encode()).hexdigest()


def _check_trust(trust: float) -> None:
    if not (isinstance(trust, int | float) and 0.0 < trust <= 1.0):
        raise InvalidInput("trust must be greater than 0 and at most 1")


def new_write_key() -> str:
    return "wk_" + secrets.token_urlsafe(32)


class SourceService:
    def __init__(self, store: SourceStore, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.ws = store.ws
        self.clock = clock
        self._cache: dict[str, tuple[float, Source | None]] = {}

    @staticmethod
    def _check(name: str, trust: float) -> None:
        if not name.strip() or len(name) > 100:
            raise InvalidInput("source name must be 1 to 100 characters")
        _check_trust(trust)

    async def create(self, name: str, trust: float = 0.5) -> NewSource:
        self._check(name, trust)
        key = new_write_key()
        source = Source(str(uuid.uuid4()), self.ws, name.strip(), trust)
        await self.store.create(
            source_id=source.id,
            name=source.name,
            trust=trust,
            key_hash=key_digest(key),
            at=self.clock(),
        )
        return NewSource(source, key)

    async def ensure_default(self, write_key: str, trust: float = 0.5) -> Source:
        """The development source, keyed by CDP_DEFAULT_WRITE_KEY."""
        source = Source(f"{self.ws}:{DEFAULT_SOURCE_ID}", self.ws, DEFAULT_SOURCE_ID, trust)
        await self.store.ensure(
            source_id=source.id,
            name=source.name,
            trust=trust,
            key_hash=key_digest(write_key),
            at=self.clock(),
        )
        return source

    async def rotate_key(self, source_id: str) -> str:
        key = new_write_key()
        if not await self.store.set_key(source_id, key_digest(key), self.clock()):
            raise NotFound("no source with that id in this workspace")
        self._cache.clear()
        return key

    async def set_trust(self, source_id: str, trust: float) -> Source:
        """Give a source a new trust (golden records are re-decided by the caller's run)."""
        _check_trust(trust)
        found = await self.store.set_trust(source_id, trust, self.clock())
        if found is None:
            raise NotFound("no source with that id in this workspace")
        self._cache.clear()
        return found

    async def list(self) -> list[Source]:
        return await self.store.list()

    async def authenticate(self, write_key: str) -> Source | None:
        """The source owning this write key, or None; remembered briefly in-process."""
        if not write_key or len(write_key) > 200:
            return None
        digest = key_digest(write_key)
        now = self.clock()
        cached = self._cache.get(digest)
        if cached is not None and now - cached[0] < CACHE_SECONDS:
            return cached[1]
        found = await self.store.by_key_hash(digest)
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[digest] = (now, found)
        return found
