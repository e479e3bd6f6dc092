import os
import re
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.privacy import (
    DecryptionError,
    FieldCipher,
    KeyMaterialError,
    decrypt_json,
    encrypt_json,
)

KEY = os.urandom(32)
OTHER_KEY = os.urandom(32)
OWNER = "default:email:k1:" + "ab" * 32
B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
cipher = FieldCipher()


def test_round_trip_and_compact_token() -> None:
    token = cipher.encrypt(KEY, b"ann@example.com", owner=OWNER, field="value")
    assert re.fullmatch(r"v1\.[A-Za-z0-9_-]+", token)
    assert b"ann" not in token.encode()
    assert cipher.decrypt(KEY, token, owner=OWNER, field="value") == b"ann@example.com"


def test_equal_plaintexts_give_different_tokens() -> None:
    first = cipher.encrypt(KEY, b"same", owner=OWNER, field="value")
    second = cipher.encrypt(KEY, b"same", owner=OWNER, field="value")
    assert first != second
    assert first[3:19] != second[3:19]  # fresh nonce


def test_empty_plaintext_round_trips() -> None:
    token = cipher.encrypt(KEY, b"", owner=OWNER, field="value")
    assert cipher.decrypt(KEY, token, owner=OWNER, field="value") == b""


@pytest.mark.parametrize(
    ("key", "owner", "field"),
    [
        (OTHER_KEY, OWNER, "value"),
        (KEY, "default:email:k1:" + "cd" * 32, "value"),
        (KEY, OWNER, "properties"),
    ],
)
def test_wrong_key_owner_or_field_fails(key: bytes, owner: str, field: str) -> None:
    token = cipher.encrypt(KEY, b"secret", owner=OWNER, field="value")
    with pytest.raises(DecryptionError):
        cipher.decrypt(key, token, owner=owner, field=field)


def test_owner_and_field_are_length_prefixed_in_aad() -> None:
    token = cipher.encrypt(KEY, b"secret", owner="a", field="bc")
    with pytest.raises(DecryptionError):
        cipher.decrypt(KEY, token, owner="ab", field="c")


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-1],
        lambda t: t[:10],
        lambda t: "v1.",
        lambda t: "",
        lambda t: "v2" + t[2:],
        lambda t: t + "=",
        lambda t: t + "A",
        lambda t: t[:5] + "+" + t[6:],
        lambda t: t[:5] + "/" + t[6:],
        lambda t: t[:5] + " " + t[5:],
        lambda t: t.replace("v1.", "v1.AAAA"),
    ],
)
def test_malformed_tokens_fail(mangle: Callable[[str], str]) -> None:
    token = cipher.encrypt(KEY, b"secret value", owner=OWNER, field="value")
    with pytest.raises(DecryptionError):
        cipher.decrypt(KEY, mangle(token), owner=OWNER, field="value")


@given(
    plaintext=st.binary(max_size=64),
    position=st.integers(min_value=0),
    char=st.sampled_from(B64URL),
)
def test_any_changed_character_fails(plaintext: bytes, position: int, char: str) -> None:
    token = cipher.encrypt(KEY, plaintext, owner=OWNER, field="value")
    index = 3 + position % (len(token) - 3)
    if token[index] == char:
        return
    tampered = token[:index] + char + token[index + 1 :]
    with pytest.raises(DecryptionError):
        cipher.decrypt(KEY, tampered, owner=OWNER, field="value")


@pytest.mark.parametrize("size", [0, 16, 24, 31, 33])
def test_data_key_must_be_256_bits(size: int) -> None:
    with pytest.raises(KeyMaterialError):
        cipher.encrypt(b"k" * size, b"x", owner=OWNER, field="value")


def test_json_round_trip() -> None:
    obj = {"plan": "pro", "tags": ["a", "ß", "😀"], "n": 3, "nested": {"ok": True, "x": None}}
    token = cipher.encrypt_json(KEY, obj, owner=OWNER, field="properties")
    assert cipher.decrypt_json(KEY, token, owner=OWNER, field="properties") == obj
    token = encrypt_json(KEY, obj, OWNER, "properties")
    assert decrypt_json(KEY, token, OWNER, "properties") == obj
    with pytest.raises(DecryptionError):
        decrypt_json(KEY, token, OWNER, "context")


def test_decrypt_json_of_non_json_fails() -> None:
    token = cipher.encrypt(KEY, b"\xff not json", owner=OWNER, field="value")
    with pytest.raises(DecryptionError):
        cipher.decrypt_json(KEY, token, owner=OWNER, field="value")


@given(plaintext=st.binary(), owner=st.text(), field=st.text())
def test_round_trip_any_bytes_owner_field(plaintext: bytes, owner: str, field: str) -> None:
    token = cipher.encrypt(KEY, plaintext, owner=owner, field=field)
    assert cipher.decrypt(KEY, token, owner=owner, field=field) == plaintext
    with pytest.raises(DecryptionError):
        cipher.decrypt(KEY, token, owner=owner + "x", field=field)
    with pytest.raises(DecryptionError):
        cipher.decrypt(KEY, token, owner=owner, field=field + "x")
