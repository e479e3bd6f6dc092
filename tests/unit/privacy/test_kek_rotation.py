"""Rotating the key-encryption key step by step while the store stays in use."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.privacy import KeyMaterialError, LocalKeyStore

OLD, NEW = os.urandom(32), os.urandom(32)


def test_a_rotation_reads_old_keys_writes_new_ones_and_finishes(tmp_path: Path) -> None:
    path = tmp_path / "keys.sqlite"
    with LocalKeyStore(path, OLD, "k1") as store:
        before = store.get_or_create([f"owner-{i}" for i in range(25)])

    rotating = LocalKeyStore(path, NEW, "k2", previous={"k1": OLD})
    assert rotating.get(list(before)) == before  # old wrappings still open
    added = rotating.get_or_create(["late-owner"])  # wrapped under the new KEK already
    steps = []
    while True:
        done, remaining = rotating.rewrap_step(limit=10)
        steps.append((done, remaining))
        if remaining == 0:
            break
    assert steps == [(10, 15), (10, 5), (5, 0)]
    assert rotating.rewrap_step() == (0, 0)  # resuming a finished rotation is a no-op
    rotating.close()

    with LocalKeyStore(path, NEW, "k2") as done_store:
        assert done_store.get([*before, "late-owner"]) == {**before, **added}
    with pytest.raises(KeyMaterialError):
        LocalKeyStore(path, OLD, "k1")


def test_a_process_without_the_old_kek_cannot_open_a_store_mid_rotation(tmp_path: Path) -> None:
    path = tmp_path / "keys.sqlite"
    with LocalKeyStore(path, OLD, "k1") as store:
        store.get_or_create(["a", "b"])
    with LocalKeyStore(path, NEW, "k2", previous={"k1": OLD}) as rotating:
        rotating.rewrap_step(limit=1)
    with pytest.raises(KeyMaterialError, match="wrong key-encryption key"):
        LocalKeyStore(path, NEW, "k2")
    with LocalKeyStore(path, NEW, "k2", previous={"k1": OLD}) as resumed:
        assert resumed.rewrap_step() == (1, 0)
        assert set(resumed.get(["a", "b"])) == {"a", "b"}
