"""Blind index: keyed digests of normalised identifier values.

Identifiers are looked up and made unique by an HMAC of their value instead of the value
itself, so the graph holds no plaintext personal data. Keys carry an id (`kid`) so they can be
rotated: new nodes use the current kid, lookups during a rotation try every known kid.
"""

import hashlib
import hmac
from collections.abc import Mapping

from .errors import KeyMaterialError

MIN_KEY_BYTES = 32


def _encode(*parts: str) -> bytes:
    """Length-prefix every part so that ("a", "bc") and ("ab", "c") never collide."""
    out = bytearray()
    for part in parts:
        raw = part.encode("utf-8")
        out += len(raw).to_bytes(4, "big")
        out += raw
    return bytes(out)


class BlindIndex:
    """HMAC-SHA256 blind index over (workspace, identifier type, normalised value)."""

    def __init__(self, keys: Mapping[str, bytes], current_kid: str) -> None:
        if current_kid not in keys:
            raise KeyMaterialError(f"blind-index key id {current_kid!r} has no key")
        for kid, key in keys.items():
            # The kid is part of the node key ws:type:kid:hash, so it must not contain ':'.
            if not kid or ":" in kid:
                raise KeyMaterialError(f"blind-index key id {kid!r} must be non-empty without ':'")
            if len(key) < MIN_KEY_BYTES:
                raise KeyMaterialError(
                    f"blind-index key {kid!r} has {len(key)} bytes; at least {MIN_KEY_BYTES} needed"
                )
        self._keys = {kid: bytes(key) for kid, key in keys.items()}
        self._kid = current_kid

    @property
    def kid(self) -> str:
        """Id of the key new digests are made with."""
        return self._kid

    @property
    def kids(self) -> tuple[str, ...]:
        """All known key ids, the current one first."""
        return (self._kid, *(k for k in self._keys if k != self._kid))

    def digest(self, ws: str, type: str, value: str) -> str:
        """Hex digest under the current key: the value's stable, non-reversible lookup key."""
        return self._digest(self._kid, ws, type, value)

    def digest_under(self, kid: str, ws: str, type: str, value: str) -> str:
        """Hex digest under a given listed key (a rotation re-keys to the current one)."""
        if kid not in self._keys:
            raise KeyMaterialError(f"blind-index key id {kid!r} is not listed")
        return self._digest(kid, ws, type, value)

    def digests_all(self, ws: str, type: str, value: str) -> dict[str, str]:
        """Digest under every known key (current first), to find nodes made before a rotation."""
        return {kid: self._digest(kid, ws, type, value) for kid in self.kids}

    def _digest(self, kid: str, ws: str, type: str, value: str) -> str:
        return hmac.new(self._keys[kid], _encode(ws, type, value), hashlib.sha256).hexdigest()
