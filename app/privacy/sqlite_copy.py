"""Consistent copies of the SQLite stores (key store, privacy ledger) for backups."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path


def snapshot(conn: sqlite3.Connection, dest: Path) -> None:
    """Copy the database behind `conn` into the new file `dest` (mode 0600).

    SQLite's online backup API copies one consistent state: every committed transaction,
    those still in the write-ahead log included, and nothing half-written, while other
    processes go on writing. The copy is one self-contained file (rollback journal, no -wal
    beside it), so its checksum describes all of it. The caller serialises use of `conn`.
    """
    os.close(os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    target = sqlite3.connect(dest, isolation_level=None)
    try:
        conn.backup(target)
        target.execute("PRAGMA journal_mode=DELETE")
        (verdict,) = target.execute("PRAGMA quick_check").fetchone()
        if verdict != "ok":
            raise sqlite3.DatabaseError(f"the copy of {dest.name} fails its check: {verdict}")
    finally:
        target.close()
    fd = os.open(dest, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def open_read_only(path: Path) -> sqlite3.Connection:
    """A read-only connection to a copy (it is never changed, so its checksum holds)."""
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
