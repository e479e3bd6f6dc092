"""Key store: the port, and the local default backed by an SQLite file.

Data keys live outside Neo4j, wrapped by a key-encryption key (KEK), so destroying an
identifier's data key crypto-shreds every copy of its data, including those in Neo4j's
transaction logs and backups. Keys are durably written before the data they protect: a crash
in between leaves an unused key, never undecryptable data.
"""

import hashlib
import hmac
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from types import TracebackType
from typing import Self

from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

from .cipher import DATA_KEY_BYTES
from .errors import KeyMaterialError, PrivacyError
from .kek import check_kek, load_kek
from .keycache import KeyCache
from .keystore_file import SCHEMA, open_store_file, write_transaction
from .keystore_port import KeyStore, KeyStoreSummary, summarize
from .sqlite_copy import snapshot

__all__ = ["KeyStore", "KeyStoreSummary", "LocalKeyStore", "load_kek", "summarize"]

log = logging.getLogger(__name__)

_CHUNK = 500  # stays under SQLite's limit on bound parameters, whatever the build
_KEK_CHECK_LABEL = b"cdp key store: KEK check value v1"


def _kek_check(kek: bytes) -> bytes:
    """A check value that recognises the KEK without revealing it."""
    return hmac.new(kek, _KEK_CHECK_LABEL, hashlib.sha256).digest()


def _unique(owners: Sequence[str]) -> list[str]:
    if isinstance(owners, str):  # a bare string would silently mean one owner per character
        raise TypeError("owners must be a sequence of owner keys, not a string")
    return list(dict.fromkeys(owners))


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _owner_in(n: int) -> str:
    return f"owner IN ({','.join('?' * n)})"


class LocalKeyStore:
    """Data keys in one SQLite file, wrapped with AES key wrap under a 32-byte KEK.

    Several processes may share the file: creation runs in an immediate (write-locked)
    transaction, and a destroy or rewrap by another process clears this one's cache.
    """

    def __init__(
        self,
        path: Path,
        kek: bytes,
        kek_id: str = "local-1",
        cache_size: int = 100_000,
        previous: Mapping[str, bytes] | None = None,
    ) -> None:
        """`previous` KEKs (by id) still unwrap keys during a rotation; new keys and
        `rewrap_step` use `kek`."""
        check_kek(kek, "the KEK")
        for old_id, old in (previous or {}).items():
            check_kek(old, f"previous KEK {old_id!r}")
        self._path = Path(path)
        self._kek = bytes(kek)
        self._kek_id = kek_id
        self._ring: dict[str, bytes] = {k: bytes(v) for k, v in (previous or {}).items()}
        self._cache = KeyCache(cache_size)
        self._lock = threading.Lock()
        self._generation = 0
        self._conn: sqlite3.Connection | None = open_store_file(self._path)
        try:
            self._init_meta()
        except BaseException:
            self._conn.close()
            self._conn = None
            raise
        self._data_version = self._data_version_now()

    @property
    def kek_id(self) -> str:
        """Label of the KEK the keys are wrapped under (as recorded in the store)."""
        return self._kek_id

    def get_or_create(self, owners: Sequence[str]) -> dict[str, bytes]:
        wanted = _unique(owners)
        with self._lock:
            self._sync_cache()
            found = self._cache.get_many(wanted)
            missing = [o for o in wanted if o not in found]
            if missing:
                with self._write() as cur:
                    loaded = self._select(cur, missing)
                    created = {o: os.urandom(DATA_KEY_BYTES) for o in missing if o not in loaded}
                    now = time.time()
                    cur.executemany(
                        "INSERT INTO data_keys (owner, kek_id, wrapped, created_at)"
                        " VALUES (?, ?, ?, ?)",
                        [
                            (o, self._kek_id, aes_key_wrap(self._kek, k), now)
                            for o, k in created.items()
                        ],
                    )
                # Committed (and fsynced) above: only now may callers encrypt under the keys.
                self._cache.remember(loaded | created)
                found |= loaded | created
            return {o: found[o] for o in wanted}

    def get(self, owners: Sequence[str]) -> dict[str, bytes]:
        wanted = _unique(owners)
        with self._lock:
            self._sync_cache()
            found = self._cache.get_many(wanted)
            missing = [o for o in wanted if o not in found]
            if missing:
                loaded = self._select(self._connection().cursor(), missing)
                self._cache.remember(loaded)
                found |= loaded
            return {o: found[o] for o in wanted if o in found}

    def destroy(self, owners: Sequence[str]) -> int:
        """Delete the wrapped keys, overwrite their pages and truncate the WAL."""
        wanted = _unique(owners)
        with self._lock:
            for owner in wanted:
                self._cache.pop(owner)
            destroyed, generation = 0, self._generation
            with self._write() as cur:
                for chunk in _chunks(wanted):
                    cur.execute(f"DELETE FROM data_keys WHERE {_owner_in(len(chunk))}", chunk)
                    destroyed += cur.rowcount
                if destroyed:
                    generation = self._bump_generation(cur)
            if destroyed:
                self._generation = generation
                self._checkpoint()
            return destroyed

    def rewrap(self, new_kek: bytes, new_kek_id: str) -> int:
        """Re-wrap every key under a new KEK in one transaction (KEK rotation); returns count."""
        check_kek(new_kek, "the new KEK")
        with self._lock:
            count = 0
            with self._write() as cur:
                last = 0
                while rows := cur.execute(
                    "SELECT rowid, kek_id, wrapped FROM data_keys WHERE rowid > ?"
                    " ORDER BY rowid LIMIT ?",
                    (last, _CHUNK),
                ).fetchall():
                    cur.executemany(
                        "UPDATE data_keys SET kek_id = ?, wrapped = ? WHERE rowid = ?",
                        [
                            (new_kek_id, aes_key_wrap(new_kek, self._unwrap(k, w)), r)
                            for r, k, w in rows
                        ],
                    )
                    count += len(rows)
                    last = rows[-1][0]
                cur.executemany(
                    "UPDATE meta SET value = ? WHERE name = ?",
                    [(_kek_check(new_kek), "kek_check"), (new_kek_id, "kek_id")],
                )
                generation = self._bump_generation(cur)
            self._kek, self._kek_id, self._generation = bytes(new_kek), new_kek_id, generation
            self._ring = {new_kek_id: self._kek}
            # Old wrappings must not linger in the WAL should the old KEK leak later.
            self._checkpoint()
            return count

    def rewrap_step(self, limit: int = 1000) -> tuple[int, int]:
        """Re-wrap up to `limit` keys still under an older KEK; (re-wrapped, remaining).

        Each step is one transaction, so a rotation can run beside live traffic, report its
        progress and resume after a crash. When none remain, the store records the new KEK
        as its own and the old wrappings are checkpointed out of the WAL.
        """
        with self._lock:
            with self._write() as cur:
                rows = cur.execute(
                    "SELECT rowid, kek_id, wrapped FROM data_keys WHERE kek_id != ?"
                    " ORDER BY rowid LIMIT ?",
                    (self._kek_id, limit),
                ).fetchall()
                cur.executemany(
                    "UPDATE data_keys SET kek_id = ?, wrapped = ? WHERE rowid = ?",
                    [
                        (self._kek_id, aes_key_wrap(self._kek, self._unwrap(k, w)), r)
                        for r, k, w in rows
                    ],
                )
                (remaining,) = cur.execute(
                    "SELECT COUNT(*) FROM data_keys WHERE kek_id != ?", (self._kek_id,)
                ).fetchone()
                if remaining == 0:
                    cur.executemany(
                        "UPDATE meta SET value = ? WHERE name = ?",
                        [(_kek_check(self._kek), "kek_check"), (self._kek_id, "kek_id")],
                    )
            if remaining == 0:
                self._checkpoint()
            return len(rows), int(remaining)

    def owners(self, prefix: str, after: str = "", limit: int = 1000) -> list[str]:
        """Owners starting with `prefix`, in order, after `after`: a sweep pages through
        them (a blind-index rotation destroys the keys nothing refers to any more)."""
        with self._lock:
            rows = (
                self._connection()
                .execute(
                    "SELECT owner FROM data_keys WHERE owner > ? AND substr(owner, 1, ?) = ?"
                    " ORDER BY owner LIMIT ?",
                    (max(after, prefix), len(prefix), prefix, limit),
                )
                .fetchall()
            )
            return [str(r[0]) for r in rows]

    def count(self) -> int:
        """Number of live data keys."""
        with self._lock:
            row = self._connection().execute("SELECT COUNT(*) FROM data_keys").fetchone()
            return int(row[0])

    def copy_to(self, dest: Path) -> None:
        """A consistent copy of the whole store into the new file `dest` (a backup). Keys stay
        wrapped under their KEK: the copy holds no key in clear."""
        with self._lock:
            snapshot(self._connection(), dest)

    def export_keys(self, after: str = "", limit: int = 1000) -> list[tuple[str, bytes, float]]:
        """(owner, data key, created at) for up to `limit` owners after `after`, in order:
        a restore pages through a backup's store and imports its keys into the live one."""
        with self._lock:
            rows = (
                self._connection()
                .execute(
                    "SELECT owner, kek_id, wrapped, created_at FROM data_keys WHERE owner > ?"
                    " ORDER BY owner LIMIT ?",
                    (after, limit),
                )
                .fetchall()
            )
            return [(str(o), self._unwrap(k, w), float(c)) for o, k, w, c in rows]

    def import_keys(self, keys: Sequence[tuple[str, bytes, float]]) -> int:
        """Store the given keys of owners this store has no key for, wrapped under the current
        KEK (a restore); keys it already has are left as they are. Returns how many were
        added."""
        for _, key, _ in keys:
            if len(key) != DATA_KEY_BYTES:
                raise KeyMaterialError(f"a data key to import has {len(key)} bytes")
        with self._lock:
            with self._write() as cur:
                before = cur.execute("SELECT COUNT(*) FROM data_keys").fetchone()[0]
                cur.executemany(
                    "INSERT OR IGNORE INTO data_keys (owner, kek_id, wrapped, created_at)"
                    " VALUES (?, ?, ?, ?)",
                    [(o, self._kek_id, aes_key_wrap(self._kek, k), c) for o, k, c in keys],
                )
                after = cur.execute("SELECT COUNT(*) FROM data_keys").fetchone()[0]
            return int(after) - int(before)

    def close(self) -> None:
        with self._lock:
            conn, self._conn = self._conn, None
            self._cache.clear()
            if conn is None:
                return
            try:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- internals; callers hold self._lock ------------------------------------------------

    def _init_meta(self) -> None:
        with self._write() as cur:
            for statement in SCHEMA:
                cur.execute(statement)
            meta = dict(cur.execute("SELECT name, value FROM meta").fetchall())
            if "kek_check" not in meta:
                if cur.execute("SELECT 1 FROM data_keys LIMIT 1").fetchone():
                    raise KeyMaterialError("key store has data keys but no KEK check value")
                cur.executemany(
                    "INSERT INTO meta (name, value) VALUES (?, ?)",
                    [
                        ("kek_check", _kek_check(self._kek)),
                        ("kek_id", self._kek_id),
                        ("generation", 0),
                    ],
                )
                self._ring[self._kek_id] = self._kek
                return
            self._generation = int(meta["generation"])
            if hmac.compare_digest(bytes(meta["kek_check"]), _kek_check(self._kek)):
                # The check value identifies the KEK; its id is only a label, the store's wins.
                self._kek_id = str(meta["kek_id"])
                self._ring[self._kek_id] = self._kek
                return
            stored_id = str(meta["kek_id"])
            old = self._ring.get(stored_id)
            if old is None or not hmac.compare_digest(bytes(meta["kek_check"]), _kek_check(old)):
                raise KeyMaterialError(
                    f"wrong key-encryption key for key store {self._path.name}: it was wrapped"
                    f" under KEK id {stored_id!r}, and the KEK given does not match it"
                )
            # A rotation in progress: the old KEK still opens what it wrapped.
            self._ring[self._kek_id] = self._kek

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise PrivacyError("key store is closed")
        return self._conn

    def _write(self) -> AbstractContextManager[sqlite3.Cursor]:
        """An immediate transaction: takes the write lock first, so check-then-insert is atomic."""
        return write_transaction(self._connection())

    def _data_version_now(self) -> int:
        return int(self._connection().execute("PRAGMA data_version").fetchone()[0])

    def _sync_cache(self) -> None:
        """Drop cached keys if another connection destroyed or re-wrapped keys meanwhile."""
        version = self._data_version_now()
        if version == self._data_version:
            return  # nobody else committed: the common case costs one pragma
        self._data_version = version
        meta = dict(self._connection().execute("SELECT name, value FROM meta").fetchall())
        if int(meta["generation"]) == self._generation:
            return
        self._cache.clear()
        self._generation = int(meta["generation"])
        check = bytes(meta["kek_check"])
        if not any(hmac.compare_digest(check, _kek_check(k)) for k in self._ring.values()):
            raise KeyMaterialError("the key store was re-wrapped under another KEK; reopen it")

    def _bump_generation(self, cur: sqlite3.Cursor) -> int:
        cur.execute("UPDATE meta SET value = value + 1 WHERE name = 'generation'")
        return int(cur.execute("SELECT value FROM meta WHERE name = 'generation'").fetchone()[0])

    def _select(self, cur: sqlite3.Cursor, owners: list[str]) -> dict[str, bytes]:
        found: dict[str, bytes] = {}
        for chunk in _chunks(owners):
            for owner, kek_id, wrapped in cur.execute(
                f"SELECT owner, kek_id, wrapped FROM data_keys WHERE {_owner_in(len(chunk))}",
                chunk,
            ):
                found[owner] = self._unwrap(kek_id, wrapped)
        return found

    def _unwrap(self, kek_id: str, wrapped: bytes) -> bytes:
        kek = self._ring.get(kek_id)
        if kek is None:
            raise KeyMaterialError(
                f"a data key is wrapped under KEK id {kek_id!r}, which this process does not"
                " hold (give it as a previous KEK until the rotation has finished)"
            )
        try:
            return aes_key_unwrap(kek, bytes(wrapped))
        except InvalidUnwrap as exc:
            raise KeyMaterialError("a data key does not unwrap under the KEK") from exc

    def _checkpoint(self) -> None:
        """Copy the WAL into the file (where secure_delete zeroed the rows) and truncate it."""
        busy, _, _ = self._connection().execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy:
            log.warning(
                "key store checkpoint blocked by another connection; destroyed or old wrapped"
                " keys stay in the WAL until the next checkpoint"
            )
