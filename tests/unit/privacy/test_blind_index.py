import hashlib
import hmac
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.privacy import BlindIndex, KeyMaterialError

K1 = b"k" * 32
K2 = bytes(range(40))


def test_digest_is_deterministic_hex_sha256() -> None:
    index = BlindIndex({"k1": K1}, "k1")
    first = index.digest("default", "email", "ann@example.com")
    assert first == index.digest("default", "email", "ann@example.com")
    assert len(first) == 64
    assert set(first) <= set(string.hexdigits.lower())


def test_digest_matches_length_prefixed_hmac() -> None:
    def lp(part: str) -> bytes:
        raw = part.encode()
        return len(raw).to_bytes(4, "big") + raw

    expected = hmac.new(K1, lp("ws") + lp("phone") + lp("+4412"), hashlib.sha256).hexdigest()
    assert BlindIndex({"k1": K1}, "k1").digest("ws", "phone", "+4412") == expected


def test_field_boundaries_do_not_collide() -> None:
    index = BlindIndex({"k1": K1}, "k1")
    assert index.digest("ws", "a", "bc") != index.digest("ws", "ab", "c")
    assert index.digest("a", "bc", "x") != index.digest("ab", "c", "x")
    assert index.digest("", "", "abc") != index.digest("a", "b", "c")


def test_workspace_and_type_separate_equal_values() -> None:
    index = BlindIndex({"k1": K1}, "k1")
    assert index.digest("ws1", "user_id", "42") != index.digest("ws2", "user_id", "42")
    assert index.digest("ws1", "user_id", "42") != index.digest("ws1", "anonymous_id", "42")


def test_key_decides_digest_and_kid_names_current_key() -> None:
    old = BlindIndex({"k1": K1, "k2": K2}, "k1")
    new = BlindIndex({"k1": K1, "k2": K2}, "k2")
    assert old.kid == "k1"
    assert new.kid == "k2"
    assert old.digest("ws", "email", "a@b.c") != new.digest("ws", "email", "a@b.c")


def test_digests_all_serves_lookups_during_rotation() -> None:
    old = BlindIndex({"k1": K1}, "k1")
    rotating = BlindIndex({"k1": K1, "k2": K2}, "k2")
    all_digests = rotating.digests_all("ws", "email", "a@b.c")
    assert list(all_digests) == ["k2", "k1"]  # current first
    assert all_digests["k1"] == old.digest("ws", "email", "a@b.c")
    assert all_digests["k2"] == rotating.digest("ws", "email", "a@b.c")


def test_keys_are_copied_at_construction() -> None:
    keys = {"k1": K1}
    index = BlindIndex(keys, "k1")
    before = index.digest("ws", "t", "v")
    keys["k1"] = K2
    assert index.digest("ws", "t", "v") == before


@pytest.mark.parametrize(
    ("keys", "kid"),
    [
        ({"k1": b"short"}, "k1"),
        ({"k1": b"x" * 31}, "k1"),
        ({"k1": K1, "k2": b"x" * 16}, "k1"),
        ({"k1": K1}, "missing"),
        ({"a:b": K1}, "a:b"),
        ({"": K1}, ""),
    ],
)
def test_bad_key_material_is_refused(keys: dict[str, bytes], kid: str) -> None:
    with pytest.raises(KeyMaterialError):
        BlindIndex(keys, kid)


@given(a=st.tuples(st.text(), st.text(), st.text()), b=st.tuples(st.text(), st.text(), st.text()))
def test_distinct_inputs_give_distinct_digests(
    a: tuple[str, str, str], b: tuple[str, str, str]
) -> None:
    index = BlindIndex({"k1": K1}, "k1")
    assert (index.digest(*a) == index.digest(*b)) == (a == b)


def test_digest_under_a_listed_kid_and_only_a_listed_one() -> None:
    rotating = BlindIndex({"k1": K1, "k2": K2}, "k2")
    old = BlindIndex({"k1": K1}, "k1")
    assert rotating.digest_under("k1", "ws", "email", "a@b.c") == old.digest("ws", "email", "a@b.c")
    with pytest.raises(KeyMaterialError, match="not listed"):
        rotating.digest_under("k3", "ws", "email", "a@b.c")
