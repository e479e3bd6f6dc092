"""Sealing of accepted messages while they wait in Valkey.

Valkey keeps what it is given in its append-only file and its snapshots long after an entry
is acknowledged and deleted, and an erasure's rewrite of a waiting entry leaves the old one
in both. So a message is sealed (AES-256-GCM) before it enters the stream, under a stream key
of the current period (an hour by default), and opened when it is read back. Stream keys live
in the key store, never in Valkey, and a period's key is destroyed once no waiting entry or
dead letter was sealed under it: from then on whatever Valkey's files still hold of that
period cannot be opened by anyone.

A sealed message is `s1:<period>:<token>` (ASCII, no newline, so entries can join messages
with newlines). A message starting with `{` is the plain JSON of an entry accepted before
messages were sealed, and is read as it is.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Iterable

from app.privacy.cipher import FieldCipher
from app.privacy.errors import DecryptionError
from app.privacy.keystore import KeyStore

PREFIX = b"s1:"
_SEALED = re.compile(rb"s1:(\d{1,12}):(v1\.[A-Za-z0-9_-]+)")
#: Key-store owners of stream keys: `~` cannot start a workspace name, so these never mix
#: with an identifier's key (`<ws>:<type>:...`).
OWNER_PREFIX = "~stream/"
_OWNER = OWNER_PREFIX + "{ws}/{period}"


class StreamSeal:
    """Seals and opens one workspace's stream messages; finds and destroys spent keys."""

    def __init__(
        self,
        keys: KeyStore,
        ws: str,
        period_seconds: int = 3600,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if period_seconds < 60:
            raise ValueError("a stream key period is at least 60 seconds")
        self.keys = keys
        self.ws = ws
        self.period_seconds = period_seconds
        self.clock = clock
        self.cipher = FieldCipher()
        self._current: tuple[int, bytes] | None = None

    def owner(self, period: int) -> str:
        return _OWNER.format(ws=self.ws, period=period)

    def period_at(self, epoch_seconds: float) -> int:
        return int(epoch_seconds // self.period_seconds)

    async def seal_many(self, payloads: Iterable[bytes]) -> list[bytes]:
        """Each payload sealed under the current period's key (created on first use)."""
        period = self.period_at(self.clock())
        if self._current is None or self._current[0] != period:
            owner = self.owner(period)
            found = await asyncio.to_thread(self.keys.get_or_create, [owner])
            self._current = (period, found[owner])
        key, owner = self._current[1], self.owner(period)
        head = PREFIX + str(period).encode() + b":"
        return [
            head + self.cipher.encrypt(key, p, owner=owner, field="message").encode()
            for p in payloads
        ]

    def open_many(self, messages: Iterable[bytes]) -> list[bytes]:
        """The payloads of sealed messages (plain JSON ones as they are). A message whose key
        was destroyed, or that was tampered with, raises DecryptionError."""
        items = list(messages)
        periods = {m[3 : m.index(b":", 3)] for m in items if m.startswith(PREFIX) and b":" in m[3:]}
        owners = [self.owner(int(p)) for p in periods if p.isdigit()]
        keys = self.keys.get(owners) if owners else {}
        return [self._open(m, keys) for m in items]

    def _open(self, message: bytes, keys: dict[str, bytes]) -> bytes:
        if not message.startswith(PREFIX):
            if message.startswith(b"{"):
                return message
            raise DecryptionError("stream message is neither sealed nor JSON")
        match = _SEALED.fullmatch(message)
        if match is None:
            raise DecryptionError("stream message is not a sealed token")
        owner = self.owner(int(match.group(1)))
        key = keys.get(owner)
        if key is None:
            raise DecryptionError("the stream key of this message was destroyed")
        return self.cipher.decrypt(key, match.group(2).decode(), owner=owner, field="message")

    def period_of(self, message: bytes) -> int | None:
        """The period a message was sealed in (None for plain JSON)."""
        match = _SEALED.fullmatch(message)
        return int(match.group(1)) if match else None

    async def destroy_spent(self, oldest_needed: int | None) -> int:
        """Destroy the keys of periods before `oldest_needed` (the oldest period a waiting
        message uses; None when nothing waits) and before the previous period, which a
        process may still be sealing under. Returns how many keys went."""
        floor = self.period_at(self.clock()) - 1
        if oldest_needed is not None:
            floor = min(floor, oldest_needed)
        prefix = _OWNER.format(ws=self.ws, period="")
        spent: list[str] = []
        after = ""
        while page := await asyncio.to_thread(self.keys.owners, prefix, after, 1000):
            after = page[-1]
            spent.extend(o for o in page if int(o[len(prefix) :]) < floor)
        if not spent:
            return 0
        return await asyncio.to_thread(self.keys.destroy, spent)
