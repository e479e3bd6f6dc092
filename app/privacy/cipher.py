"""Field encryption: AES-256-GCM under an identifier's data key.

The associated data binds each token to its owner (the identifier key) and field name, so a
ciphertext copied onto another node or into another property fails to decrypt instead of
silently showing someone else's data.
"""

import base64
import binascii
import os
import re
from typing import Any

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .errors import DecryptionError, KeyMaterialError

VERSION = "v1"
DATA_KEY_BYTES = 32
_NONCE_BYTES = 12
_TAG_BYTES = 16
_PREFIX = VERSION + "."
_B64URL = re.compile(r"[A-Za-z0-9_-]*")


def _lp(raw: bytes) -> bytes:
    return len(raw).to_bytes(4, "big") + raw


def _aad(owner: str, field: str) -> bytes:
    # The version is bound too, so a future format cannot be confused with this one.
    return _lp(VERSION.encode()) + _lp(owner.encode("utf-8")) + _lp(field.encode("utf-8"))


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    """Strict, canonical base64url: any other spelling of the same bytes is refused.

    Without the canonical check, flipping unused low bits of the last character would yield
    a different token that still decrypts, which breaks "tampered means failure".
    """
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise DecryptionError("token is not valid base64url")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise DecryptionError("token is not valid base64url") from exc
    if _b64encode(raw) != text:
        raise DecryptionError("token is not canonical base64url")
    return raw


def _aead(data_key: bytes) -> AESGCM:
    if len(data_key) != DATA_KEY_BYTES:
        raise KeyMaterialError(f"data key has {len(data_key)} bytes; AES-256 needs 32")
    return AESGCM(data_key)


class FieldCipher:
    """Encrypts and decrypts single fields into compact text tokens "v1.<base64url>"."""

    def encrypt(self, data_key: bytes, plaintext: bytes, *, owner: str, field: str) -> str:
        """Seal one value; a fresh random nonce each time, so equal values do not look equal."""
        nonce = os.urandom(_NONCE_BYTES)
        sealed = _aead(data_key).encrypt(nonce, plaintext, _aad(owner, field))
        return _PREFIX + _b64encode(nonce + sealed)

    def decrypt(self, data_key: bytes, token: str, *, owner: str, field: str) -> bytes:
        """Open a token made for exactly this owner and field, or raise `DecryptionError`."""
        if not token.startswith(_PREFIX):
            raise DecryptionError("unknown token format")
        raw = _b64decode(token[len(_PREFIX) :])
        if len(raw) < _NONCE_BYTES + _TAG_BYTES:
            raise DecryptionError("token is too short")
        aead = _aead(data_key)
        try:
            return aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], _aad(owner, field))
        except InvalidTag as exc:
            raise DecryptionError("token does not authenticate") from exc

    def encrypt_json(self, data_key: bytes, obj: Any, *, owner: str, field: str) -> str:
        """Seal a JSON-serialisable value (event properties, trait values)."""
        return self.encrypt(data_key, orjson.dumps(obj), owner=owner, field=field)

    def decrypt_json(self, data_key: bytes, token: str, *, owner: str, field: str) -> Any:
        """Open a token made by `encrypt_json`."""
        plaintext = self.decrypt(data_key, token, owner=owner, field=field)
        try:
            return orjson.loads(plaintext)
        except orjson.JSONDecodeError as exc:
            raise DecryptionError("token does not hold JSON") from exc


_DEFAULT = FieldCipher()


def encrypt_json(data_key: bytes, obj: Any, owner: str, field: str) -> str:
    """Module-level shorthand for `FieldCipher().encrypt_json`."""
    return _DEFAULT.encrypt_json(data_key, obj, owner=owner, field=field)


def decrypt_json(data_key: bytes, token: str, owner: str, field: str) -> Any:
    """Module-level shorthand for `FieldCipher().decrypt_json`."""
    return _DEFAULT.decrypt_json(data_key, token, owner=owner, field=field)
