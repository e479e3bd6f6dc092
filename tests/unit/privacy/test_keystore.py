import base64
import os
import sqlite3
import stat
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from app.privacy import KeyMaterialError, KeyStore, LocalKeyStore, PrivacyError, load_kek

KEK = os.urandom(32)
OWNERS = [f"default:email:k1:{i:064x}" for i in range(5)]


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "keys" / "data_keys.sqlite"  # parent does not exist yet


@pytest.fixture
def store(path: Path) -> Iterator[LocalKeyStore]:
    with LocalKeyStore(path, KEK) as opened:
        yield opened


def wrapped_on_disk(path: Path) -> dict[str, bytes]:
    """The wrapped keys as a second connection sees them: proves they are committed."""
    conn = sqlite3.connect(path)
    try:
        return {o: bytes(w) for o, w in conn.execute("SELECT owner, wrapped FROM data_keys")}
    finally:
        conn.close()


def store_bytes(path: Path) -> bytes:
    files = [path.with_name(path.name + suffix) for suffix in ("", "-wal", "-shm")]
    return b"".join(f.read_bytes() for f in files if f.exists())


def test_is_a_key_store(store: LocalKeyStore) -> None:
    assert isinstance(store, KeyStore)


def test_key_is_committed_before_it_is_returned(store: LocalKeyStore, path: Path) -> None:
    keys = store.get_or_create(OWNERS[:2])
    assert set(keys) == set(OWNERS[:2])
    assert all(len(k) == 32 for k in keys.values())
    assert keys[OWNERS[0]] != keys[OWNERS[1]]
    assert set(wrapped_on_disk(path)) == set(OWNERS[:2])  # visible to another connection


def test_get_or_create_is_stable_and_persists_across_reopen(path: Path) -> None:
    with LocalKeyStore(path, KEK) as store:
        first = store.get_or_create(OWNERS)
        assert store.get_or_create(OWNERS) == first
        assert store.count() == len(OWNERS)
    with LocalKeyStore(path, KEK) as store:
        assert store.get(OWNERS) == first
        assert store.get_or_create([OWNERS[0], "new"])[OWNERS[0]] == first[OWNERS[0]]
        assert store.count() == len(OWNERS) + 1


def test_get_leaves_out_unknown_owners(store: LocalKeyStore) -> None:
    keys = store.get_or_create(OWNERS[:1])
    assert store.get([OWNERS[0], "unknown"]) == keys
    assert store.get([]) == {}
    assert store.count() == 1  # get never creates


def test_duplicates_are_collapsed_and_strings_refused(store: LocalKeyStore) -> None:
    keys = store.get_or_create([OWNERS[0], OWNERS[0]])
    assert list(keys) == [OWNERS[0]]
    with pytest.raises(TypeError):
        store.get_or_create(OWNERS[0])


def test_files_are_private(store: LocalKeyStore, path: Path) -> None:
    store.get_or_create(OWNERS)
    for suffix in ("", "-wal", "-shm"):
        file = path.with_name(path.name + suffix)
        if file.exists():
            assert stat.S_IMODE(file.stat().st_mode) == 0o600, suffix


@pytest.mark.parametrize("checkpointed", [False, True])
def test_destroy_shreds_key_from_every_file(path: Path, checkpointed: bool) -> None:
    store = LocalKeyStore(path, KEK)
    keys = store.get_or_create(OWNERS)
    wrapped = wrapped_on_disk(path)
    if checkpointed:  # the rows made it into the main file, not only the WAL
        store.close()
        store = LocalKeyStore(path, KEK)
    assert wrapped[OWNERS[0]] in store_bytes(path)  # the scan below can see keys

    assert store.destroy([OWNERS[0], OWNERS[1], "never-existed"]) == 2
    assert store.get(OWNERS[:2]) == {}  # evicted from the cache too

    on_disk = store_bytes(path)
    for owner in OWNERS[:2]:
        assert wrapped[owner] not in on_disk
        assert keys[owner] not in on_disk
    store.close()
    with LocalKeyStore(path, KEK) as reopened:
        assert reopened.get(OWNERS) == {o: keys[o] for o in OWNERS[2:]}
        assert reopened.count() == 3
    on_disk = store_bytes(path)
    assert all(wrapped[o] not in on_disk for o in OWNERS[:2])


def test_plaintext_keys_never_reach_disk(store: LocalKeyStore, path: Path) -> None:
    keys = store.get_or_create(OWNERS)
    on_disk = store_bytes(path)
    assert all(k not in on_disk for k in keys.values())


def test_destroy_by_another_connection_clears_the_cache(path: Path) -> None:
    with LocalKeyStore(path, KEK) as api, LocalKeyStore(path, KEK) as worker:
        keys = api.get_or_create(OWNERS[:2])
        assert worker.get(OWNERS[:2]) == keys  # now cached in the worker
        assert api.destroy(OWNERS[:1]) == 1
        assert worker.get(OWNERS[:2]) == {OWNERS[1]: keys[OWNERS[1]]}
        assert worker.get_or_create(OWNERS[:1])[OWNERS[0]] != keys[OWNERS[0]]


def test_destroy_nothing(store: LocalKeyStore) -> None:
    assert store.destroy([]) == 0
    assert store.destroy(["unknown"]) == 0


def test_wrong_kek_on_reopen_is_refused(path: Path) -> None:
    with LocalKeyStore(path, KEK) as store:
        store.get_or_create(OWNERS)
    with pytest.raises(KeyMaterialError, match="wrong key-encryption key"):
        LocalKeyStore(path, os.urandom(32))
    with LocalKeyStore(path, KEK) as store:  # the failed open changed nothing
        assert store.count() == len(OWNERS)


@pytest.mark.parametrize("size", [0, 16, 31, 33])
def test_kek_must_be_32_bytes(path: Path, size: int) -> None:
    with pytest.raises(KeyMaterialError):
        LocalKeyStore(path, b"k" * size)


def test_rewrap_keeps_keys_readable_with_new_kek_only(path: Path) -> None:
    new_kek = os.urandom(32)
    with LocalKeyStore(path, KEK) as store:
        keys = store.get_or_create(OWNERS)
        old_wrapped = wrapped_on_disk(path)
        assert store.rewrap(new_kek, "local-2") == len(OWNERS)
        assert store.kek_id == "local-2"
        assert store.get(OWNERS) == keys
        assert store.get_or_create(["after"])  # new keys are wrapped under the new KEK
    on_disk = store_bytes(path)
    assert all(w not in on_disk for w in old_wrapped.values())
    with pytest.raises(KeyMaterialError):
        LocalKeyStore(path, KEK)
    with LocalKeyStore(path, new_kek) as store:
        assert store.kek_id == "local-2"  # the recorded label wins over the default
        assert store.get(OWNERS) == keys
        assert store.count() == len(OWNERS) + 1


def test_rewrap_by_another_connection_is_detected(path: Path) -> None:
    with LocalKeyStore(path, KEK) as api, LocalKeyStore(path, KEK) as admin:
        api.get_or_create(OWNERS)
        admin.rewrap(os.urandom(32), "local-2")
        with pytest.raises(KeyMaterialError):
            api.get(OWNERS)


def test_concurrent_get_or_create_agrees_on_one_key(path: Path) -> None:
    stores = [LocalKeyStore(path, KEK) for _ in range(3)]
    try:
        jobs = [stores[i % 3] for i in range(24)]  # threads share instances and connections
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(lambda s: s.get_or_create(list(reversed(OWNERS))), jobs))
        assert all(r == results[0] for r in results)
        assert stores[0].count() == len(OWNERS)
    finally:
        for s in stores:
            s.close()


def test_large_batches_and_tiny_cache(path: Path) -> None:
    owners = [f"o{i}" for i in range(1_234)]
    with LocalKeyStore(path, KEK, cache_size=3) as store:
        keys = store.get_or_create(owners)
        assert store.get(owners) == keys
        assert store.destroy(owners[:1_100]) == 1_100
        assert store.get(owners) == {o: keys[o] for o in owners[1_100:]}


def test_closed_store_refuses_work(path: Path) -> None:
    store = LocalKeyStore(path, KEK)
    store.close()
    store.close()  # idempotent
    with pytest.raises(PrivacyError):
        store.get(OWNERS)


def test_load_kek_from_setting_in_any_base64(tmp_path: Path) -> None:
    raw = bytes([0xFB, 0xFF] * 16)  # encodes with + and / (or - and _)
    for text in (
        base64.b64encode(raw).decode(),
        base64.urlsafe_b64encode(raw).decode(),
        base64.urlsafe_b64encode(raw).decode().rstrip("="),
        f"  {base64.b64encode(raw).decode()}\n",
    ):
        assert load_kek(text, tmp_path / "unused", allow_generate=False) == raw
    assert not (tmp_path / "unused").exists()


@pytest.mark.parametrize("text", ["not base64!", base64.b64encode(b"x" * 16).decode()])
def test_load_kek_refuses_bad_setting(text: str) -> None:
    with pytest.raises(KeyMaterialError):
        load_kek(text, None, allow_generate=True)


def test_load_kek_generates_private_file_only_when_allowed(tmp_path: Path) -> None:
    key_file = tmp_path / "secrets" / "kek"
    with pytest.raises(KeyMaterialError, match="development"):
        load_kek(None, key_file, allow_generate=False)
    kek = load_kek("", key_file, allow_generate=True)
    assert len(kek) == 32
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert load_kek(None, key_file, allow_generate=False) == kek
    assert sorted(p.name for p in key_file.parent.iterdir()) == ["kek"]  # no temp left over


def test_load_kek_reads_existing_file(tmp_path: Path) -> None:
    key_file = tmp_path / "kek"
    key_file.write_text(base64.b64encode(KEK).decode() + "\n")
    assert load_kek(None, key_file, allow_generate=False) == KEK
    key_file.write_text("short")
    with pytest.raises(KeyMaterialError):
        load_kek(None, key_file, allow_generate=True)


def test_load_kek_without_any_source_explains() -> None:
    with pytest.raises(KeyMaterialError, match="no key-encryption key"):
        load_kek(None, None, allow_generate=True)


def test_owners_pages_through_one_prefix(store: LocalKeyStore) -> None:
    store.get_or_create([*OWNERS, "other:email:k1:" + "0" * 64, "default:unowned"])
    first = store.owners("default:email:", limit=3)
    assert first == OWNERS[:3]
    assert store.owners("default:email:", after=first[-1], limit=3) == OWNERS[3:]
    assert store.owners("default:email:", after=OWNERS[-1]) == []
    assert store.owners("default:") == [*OWNERS, "default:unowned"]
