"""Identifier keys and sealing: the only place plaintext identifiers meet the key hierarchy."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from app.domain.identity import NormalisedIdentifier
from app.privacy import BlindIndex, FieldCipher, KeyStore
from app.services.privacy.audit import AuditLog

#: Key-store owner for events that carry no usable identifier at all.
UNOWNED = "unowned"


@dataclass(frozen=True)
class IdentifierKey:
    """A node key `ws:type:kid:hash` and its parts."""

    key: str
    kid: str
    hash: str

    @classmethod
    def parse(cls, key: str) -> IdentifierKey:
        _, kid, digest = key.rsplit(":", 2)
        return cls(key, kid, digest)


class Sealer:
    """Blind-index keys for identifiers and AES-GCM sealing under per-identifier data keys."""

    def __init__(self, ws: str, index: BlindIndex, keys: KeyStore) -> None:
        self.ws = ws
        self.index = index
        self.keys = keys
        self.cipher = FieldCipher()
        # The HMAC of a value never changes under one key: remember recent ones.
        self._key_of = lru_cache(maxsize=200_000)(self._key_of_uncached)
        # While several kids are listed (for suppressions, that is for good once a rotation
        # has happened) every batch looks identifiers up under each: remember those too.
        self._candidates = lru_cache(maxsize=200_000)(self._candidates_uncached)

    def key_of(self, ident: NormalisedIdentifier) -> IdentifierKey:
        return self._key_of(ident.type, ident.value)

    def _key_of_uncached(self, type_: str, value: str) -> IdentifierKey:
        return self.key_under(self.index.kid, type_, value)

    def key_under(self, kid: str, type_: str, value: str) -> IdentifierKey:
        """The node key of a value under a given listed kid."""
        digest = self.index.digest_under(kid, self.ws, type_, value)
        return IdentifierKey(f"{self.ws}:{type_}:{kid}:{digest}", kid, digest)

    def candidate_keys(self, ident: NormalisedIdentifier) -> list[str]:
        """The node key under every listed blind-index key, the current one first."""
        return list(self._candidates(ident.type, ident.value))

    def _candidates_uncached(self, type_: str, value: str) -> tuple[str, ...]:
        digests = self.index.digests_all(self.ws, type_, value)
        return tuple(f"{self.ws}:{type_}:{kid}:{digest}" for kid, digest in digests.items())

    @property
    def rotating(self) -> bool:
        """Several blind-index keys are listed: identifiers may exist under any of them."""
        return len(self.index.kids) > 1

    def value_id(self, owner: str, name: str, text: str) -> str:
        """The blind index of a personal trait value, under the kid of the identifier it is
        observed on, so a profile's values are compared under one key until it is re-keyed."""
        kid = IdentifierKey.parse(owner).kid
        if kid not in self.index.kids:
            kid = self.index.kid
        return self.index.digest_under(kid, self.ws, f"trait:{name}", text)

    def unowned_owner(self) -> str:
        return f"{self.ws}:{UNOWNED}"

    async def data_keys(self, owners: Sequence[str], *, create: bool) -> dict[str, bytes]:
        """Data keys per owner; with create, missing ones are stored before this returns."""
        ordered = sorted(set(owners))
        if not ordered:
            return {}
        call = self.keys.get_or_create if create else self.keys.get
        return await asyncio.to_thread(call, ordered)

    async def owners(self, after: str, limit: int) -> list[str]:
        """This workspace's key-store owners after `after`, in order (for sweeps)."""
        return await asyncio.to_thread(self.keys.owners, f"{self.ws}:", after, limit)

    async def forget(self, owners: Sequence[str]) -> int:
        """Destroy data keys (crypto-shredding): what they sealed can never be opened again."""
        return await asyncio.to_thread(self.keys.destroy, sorted(set(owners))) if owners else 0

    def seal(self, data_key: bytes, obj: Any, *, owner: str, field: str) -> str:
        return self.cipher.encrypt_json(data_key, obj, owner=owner, field=field)

    def open(self, data_key: bytes, token: str, *, owner: str, field: str) -> Any:
        return self.cipher.decrypt_json(data_key, token, owner=owner, field=field)


async def rotate_kek(
    keys: KeyStore,
    step: int,
    report: Callable[[int, int], Awaitable[None]],
    audit: AuditLog | None = None,
    by: str = "system",
) -> int:
    """Re-wrap every data key under the current KEK, one transaction per step (resumable);
    `report(done, remaining)` after each step, and the rotation audited as `by`'s at the end.
    Returns how many keys were re-wrapped."""
    total = 0
    while True:
        done, remaining = await asyncio.to_thread(keys.rewrap_step, step)
        total += done
        await report(total, remaining)
        if remaining == 0:
            break
    if audit is not None:
        await audit.record(by, "kek.rotated", None, {"rewrapped": total})
    return total
