"""The local key store's SQLite file: its tables, how it is opened, its write transactions."""

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import PrivacyError

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value BLOB NOT NULL)",
    "CREATE TABLE IF NOT EXISTS data_keys (owner TEXT PRIMARY KEY, kek_id TEXT NOT NULL,"
    " wrapped BLOB NOT NULL, created_at REAL NOT NULL)",
)


def open_store_file(path: Path) -> sqlite3.Connection:
    """The store's SQLite file, 0600, in WAL mode with full sync and secure delete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # Create it 0600 only if absent: opening and closing another descriptor of a file this
    # process already has open in SQLite would drop that connection's POSIX locks.
    if not path.exists():
        with contextlib.suppress(FileExistsError):
            os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))
    # SQLite gives -wal and -shm the mode of the main file; tighten files from older runs.
    for suffix in ("", "-wal", "-shm"):
        file = path.with_name(path.name + suffix)
        if file.exists() and file.stat().st_mode & 0o077:
            file.chmod(0o600)
    conn = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
    try:
        conn.execute("PRAGMA secure_delete=ON")
        mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise PrivacyError(f"key store {path.name} cannot use WAL (got {mode!r})")
        conn.execute("PRAGMA synchronous=FULL")
    except BaseException:
        conn.close()
        raise
    return conn


@contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Cursor]:
    """An immediate transaction: takes the write lock first, so check-then-insert is atomic."""
    cur = conn.cursor()
    cur.execute("BEGIN IMMEDIATE")
    try:
        yield cur
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    else:
        cur.execute("COMMIT")
    finally:
        cur.close()
