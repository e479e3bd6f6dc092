"""The privacy ledger: suppressions and erasure receipts, kept outside Neo4j.

Neo4j holds the same facts (`:Suppression`, `:ErasureRequest`), but a restore of a graph backup
taken before an erasure would bring the subject back. The ledger is the copy a restore does not
touch: `cdp erasures reapply` re-applies it to the graph. It holds identifier keys (keyed hashes)
of suppressed identifiers, and receipts made of counts; never a personal value.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS suppressions (
        key TEXT PRIMARY KEY, ws TEXT NOT NULL, type TEXT NOT NULL, at REAL NOT NULL,
        request TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS receipts (
        id TEXT PRIMARY KEY, ws TEXT NOT NULL, completed_at REAL NOT NULL, body TEXT NOT NULL)""",
)


@dataclass(frozen=True)
class Suppressed:
    key: str
    type: str
    at: float
    request: str


class PrivacyLedger:
    """One SQLite file (WAL, synchronous FULL, secure delete), shared by API and workers."""

    def __init__(self, path: Path) -> None:
        self._path = Path(path)
        self._path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(
            self._path, timeout=30.0, isolation_level=None, check_same_thread=False
        )
        self._conn.execute("PRAGMA secure_delete=ON")
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        with self._write() as cur:
            for statement in _SCHEMA:
                cur.execute(statement)
        self._path.chmod(0o600)

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Cursor]:
        with self._lock:
            cur = self._conn.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                yield cur
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            else:
                cur.execute("COMMIT")
            finally:
                cur.close()

    def suppress(self, ws: str, rows: Sequence[Suppressed]) -> None:
        with self._write() as cur:
            cur.executemany(
                "INSERT OR IGNORE INTO suppressions (key, ws, type, at, request)"
                " VALUES (?, ?, ?, ?, ?)",
                [(r.key, ws, r.type, r.at, r.request) for r in rows],
            )

    def unsuppress(self, keys: Sequence[str]) -> int:
        with self._write() as cur:
            cur.executemany("DELETE FROM suppressions WHERE key = ?", [(k,) for k in keys])
            return cur.rowcount

    def suppressions(self, ws: str) -> list[Suppressed]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT key, type, at, request FROM suppressions WHERE ws = ? ORDER BY key", (ws,)
            ).fetchall()
        return [Suppressed(str(k), str(t), float(a), str(r)) for k, t, a, r in rows]

    def record_receipt(self, ws: str, receipt_id: str, completed_at: float, body: str) -> None:
        with self._write() as cur:
            cur.execute(
                "INSERT OR REPLACE INTO receipts (id, ws, completed_at, body) VALUES (?, ?, ?, ?)",
                (receipt_id, ws, completed_at, body),
            )

    def receipts(self, ws: str) -> list[tuple[str, float, str]]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT id, completed_at, body FROM receipts WHERE ws = ? ORDER BY completed_at",
                (ws,),
            ).fetchall()
        return [(str(i), float(c), str(b)) for i, c, b in rows]

    def forget_workspace(self, ws: str) -> None:
        """Drop a workspace's entries (when the workspace itself is deleted)."""
        with self._write() as cur:
            cur.execute("DELETE FROM suppressions WHERE ws = ?", (ws,))
            cur.execute("DELETE FROM receipts WHERE ws = ?", (ws,))

    def close(self) -> None:
        with self._lock:
            self._conn.close()
