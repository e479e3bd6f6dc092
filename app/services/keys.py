"""Identifier keys and sealing: the only place plaintext identifiers meet the key hierarchy."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from app.domain.identity import NormalisedIdentifier
from app.privacy import BlindIndex, FieldCipher, KeyStore

#: Key-store owner for events that carry no usable identifier at all.
UNOWNED = "unowned"


@dataclass(frozen=True)
class IdentifierKey:
    key: str
    kid: str
    hash: str


class Sealer:
    """Blind-index keys for identifiers and AES-GCM sealing under per-identifier data keys."""

    def __init__(self, ws: str, index: BlindIndex, keys: KeyStore) -> None:
        self.ws = ws
        self.index = index
        self.keys = keys
        self.cipher = FieldCipher()
        # The HMAC of a value never changes under one key: remember recent ones.
        self._key_of = lru_cache(maxsize=200_000)(self._key_of_uncached)

    def key_of(self, ident: NormalisedIdentifier) -> IdentifierKey:
        return self._key_of(ident.type, ident.value)

    def _key_of_uncached(self, type_: str, value: str) -> IdentifierKey:
        digest = self.index.digest(self.ws, type_, value)
        kid = self.index.kid
        return IdentifierKey(f"{self.ws}:{type_}:{kid}:{digest}", kid, digest)

    def candidate_keys(self, ident: NormalisedIdentifier) -> list[str]:
        """The node key under every known blind-index key (during a rotation)."""
        digests = self.index.digests_all(self.ws, ident.type, ident.value)
        return [f"{self.ws}:{ident.type}:{kid}:{digest}" for kid, digest in digests.items()]

    def unowned_owner(self) -> str:
        return f"{self.ws}:{UNOWNED}"

    async def data_keys(self, owners: Sequence[str], *, create: bool) -> dict[str, bytes]:
        """Data keys per owner; with create, missing ones are stored before this returns."""
        ordered = sorted(set(owners))
        if not ordered:
            return {}
        call = self.keys.get_or_create if create else self.keys.get
        return await asyncio.to_thread(call, ordered)

    async def forget(self, owners: Sequence[str]) -> int:
        """Destroy data keys (crypto-shredding): what they sealed can never be opened again."""
        return await asyncio.to_thread(self.keys.destroy, sorted(set(owners))) if owners else 0

    def seal(self, data_key: bytes, obj: Any, *, owner: str, field: str) -> str:
        return self.cipher.encrypt_json(data_key, obj, owner=owner, field=field)

    def open(self, data_key: bytes, token: str, *, owner: str, field: str) -> Any:
        return self.cipher.decrypt_json(data_key, token, owner=owner, field=field)


async def rotate_kek(
    keys: KeyStore, step: int, report: Callable[[int, int], Awaitable[None]]
) -> int:
    """Re-wrap every data key under the current KEK, one transaction per step (resumable);
    `report(done, remaining)` after each step. Returns how many keys were re-wrapped."""
    total = 0
    while True:
        done, remaining = await asyncio.to_thread(keys.rewrap_step, step)
        total += done
        await report(total, remaining)
        if remaining == 0:
            return total
