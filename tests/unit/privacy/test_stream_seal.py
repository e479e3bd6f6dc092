"""Sealing of stream messages: round trip, plain entries of earlier versions, tampering, and
the destruction of spent period keys."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.privacy import DecryptionError, LocalKeyStore
from app.privacy.stream_seal import StreamSeal
from tests.support.clock import Clock

KEK = os.urandom(32)
PERIOD = 3600
PAYLOAD = b'{"traits":{"email":"jane.doe@example.com"}}'


@pytest.fixture
def store(tmp_path: Path) -> Iterator[LocalKeyStore]:
    with LocalKeyStore(tmp_path / "keys.sqlite", KEK) as opened:
        yield opened


async def test_a_sealed_message_holds_no_plaintext_and_opens_to_the_payload(
    store: LocalKeyStore,
) -> None:
    seal = StreamSeal(store, "default", PERIOD, Clock(100 * PERIOD + 5))
    (sealed,) = await seal.seal_many([PAYLOAD])
    assert sealed.startswith(b"s1:100:v1.")
    assert b"jane" not in sealed and b"\n" not in sealed
    assert seal.open_many([sealed, b'{"plain": 1}']) == [PAYLOAD, b'{"plain": 1}']
    assert seal.period_of(sealed) == 100


async def test_tampered_foreign_and_unknown_messages_do_not_open(store: LocalKeyStore) -> None:
    seal = StreamSeal(store, "default", PERIOD, Clock(100 * PERIOD))
    (sealed,) = await seal.seal_many([PAYLOAD])
    flipped = sealed[:-2] + (b"A" if sealed[-2:-1] != b"A" else b"B") + sealed[-1:]
    other = StreamSeal(store, "elsewhere", PERIOD, Clock(100 * PERIOD))
    for bad in (flipped, b"s1:100:v1.AAAA", b"hello", sealed.replace(b"s1:100", b"s1:101")):
        with pytest.raises(DecryptionError):
            seal.open_many([bad])
    with pytest.raises(DecryptionError):
        other.open_many([sealed])  # another workspace's key, another owner


async def test_spent_keys_are_destroyed_and_what_they_sealed_never_opens_again(
    store: LocalKeyStore,
) -> None:
    clock = Clock(100 * PERIOD)
    seal = StreamSeal(store, "default", PERIOD, clock)
    (old,) = await seal.seal_many([PAYLOAD])
    clock.now = 101 * PERIOD
    (previous,) = await seal.seal_many([PAYLOAD])
    clock.now = 102 * PERIOD
    (current,) = await seal.seal_many([PAYLOAD])
    # Something waiting still uses period 100: nothing goes.
    assert await seal.destroy_spent(oldest_needed=100) == 0
    # Nothing waits: every period before the previous one goes.
    assert await seal.destroy_spent(oldest_needed=None) == 1
    with pytest.raises(DecryptionError, match="destroyed"):
        seal.open_many([old])
    assert seal.open_many([previous, current]) == [PAYLOAD, PAYLOAD]
    clock.now = 110 * PERIOD
    assert await seal.destroy_spent(oldest_needed=None) == 2
    with pytest.raises(DecryptionError):
        seal.open_many([current])


def test_a_period_shorter_than_a_minute_is_refused(store: LocalKeyStore) -> None:
    with pytest.raises(ValueError, match="60 seconds"):
        StreamSeal(store, "default", 59)
