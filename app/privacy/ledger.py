"""The privacy ledger: suppressions and erasure receipts, kept outside Neo4j.

Neo4j holds the same facts (`:Suppression`, `:ErasureRequest`), but a restore of a graph backup
taken before an erasure would bring the subject back. The ledger is the copy a restore does not
go back on: `cdp restore` merges a backup's ledger into the current one (`merge`) and
re-applies the result to the graph (`cdp erasures reapply` does the second half alone). It
holds identifier keys (keyed hashes) of suppressed identifiers, of lifted suppressions (so a
merge does not bring a lifted one back), and receipts made of counts; never a personal value.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .sqlite_copy import open_read_only, snapshot

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS suppressions (
        key TEXT PRIMARY KEY, ws TEXT NOT NULL, type TEXT NOT NULL, at REAL NOT NULL,
        request TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS receipts (
        id TEXT PRIMARY KEY, ws TEXT NOT NULL, completed_at REAL NOT NULL, body TEXT NOT NULL)""",
    # Suppressions lifted on purpose, and when: merging an older ledger must not undo them.
    """CREATE TABLE IF NOT EXISTS lifted (
        key TEXT PRIMARY KEY, ws TEXT NOT NULL, at REAL NOT NULL)""",
)


@dataclass(frozen=True)
class Suppressed:
    key: str
    type: str
    at: float
    request: str


@dataclass(frozen=True)
class LedgerContent:
    """Every entry of a ledger, all workspaces: what a restore merges into the current one."""

    #: (key, ws, type, at, request)
    suppressions: list[tuple[str, str, str, float, str]] = field(default_factory=list)
    #: (id, ws, completed_at, body)
    receipts: list[tuple[str, str, float, str]] = field(default_factory=list)
    #: (key, ws, at)
    lifted: list[tuple[str, str, float]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "suppressions": len(self.suppressions),
            "receipts": len(self.receipts),
            "lifted": len(self.lifted),
        }

    @property
    def workspaces(self) -> list[str]:
        return sorted(
            {r[1] for r in self.suppressions}
            | {r[1] for r in self.receipts}
            | {r[1] for r in self.lifted}
        )


def ledger_counts(path: Path) -> dict[str, Any]:
    """Entries of a ledger file, read without changing it (a backup's copy)."""
    conn = open_read_only(path)
    try:
        counts: dict[str, Any] = {
            table: int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
            for table in ("suppressions", "receipts", "lifted")
        }
        counts["workspaces"] = sorted(
            str(ws)
            for (ws,) in conn.execute(
                "SELECT ws FROM suppressions UNION SELECT ws FROM receipts"
                " UNION SELECT ws FROM lifted"
            )
        )
    finally:
        conn.close()
    return counts


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
            # Erased again after a lift: the new suppression is what counts.
            cur.executemany("DELETE FROM lifted WHERE key = ?", [(r.key,) for r in rows])

    def unsuppress(self, keys: Sequence[str], at: float | None = None) -> int:
        """Lift suppressions, remembering when (a merge of an older ledger keeps them lifted)."""
        lifted_at = time.time() if at is None else at
        with self._write() as cur:
            cur.executemany(
                "INSERT OR REPLACE INTO lifted (key, ws, at)"
                " SELECT key, ws, ? FROM suppressions WHERE key = ?",
                [(lifted_at, k) for k in keys],
            )
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
            cur.execute("DELETE FROM lifted WHERE ws = ?", (ws,))

    def content(self) -> LedgerContent:
        """Every entry, all workspaces."""
        with self._lock:
            conn = self._conn
            suppressions = conn.execute(
                "SELECT key, ws, type, at, request FROM suppressions ORDER BY key"
            ).fetchall()
            receipts = conn.execute(
                "SELECT id, ws, completed_at, body FROM receipts ORDER BY id"
            ).fetchall()
            lifted = conn.execute("SELECT key, ws, at FROM lifted ORDER BY key").fetchall()
        return LedgerContent(
            suppressions=[
                (str(k), str(w), str(t), float(a), str(r)) for k, w, t, a, r in suppressions
            ],
            receipts=[(str(i), str(w), float(c), str(b)) for i, w, c, b in receipts],
            lifted=[(str(k), str(w), float(a)) for k, w, a in lifted],
        )

    def merge(self, older: LedgerContent) -> dict[str, int]:
        """Add what an older copy of the ledger (a backup's) holds and this one lacks.

        This ledger is the newer one and wins: its entries stay as they are. A receipt or a
        suppression of the older copy that is missing here is added, except a suppression
        lifted here since it was made (lifting is deliberate; a restore must not undo it).
        Returns how many entries of each kind were added."""
        added = {"suppressions": 0, "receipts": 0, "lifted": 0}
        with self._write() as cur:
            lifts = dict(cur.execute("SELECT key, at FROM lifted").fetchall())
            for key, ws, type_, at, request in older.suppressions:
                if key in lifts and float(lifts[key]) >= at:
                    continue
                cur.execute(
                    "INSERT OR IGNORE INTO suppressions (key, ws, type, at, request)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (key, ws, type_, at, request),
                )
                added["suppressions"] += cur.rowcount
            for receipt in older.receipts:
                cur.execute(
                    "INSERT OR IGNORE INTO receipts (id, ws, completed_at, body)"
                    " VALUES (?, ?, ?, ?)",
                    receipt,
                )
                added["receipts"] += cur.rowcount
            for key, ws, at in older.lifted:
                suppressed = cur.execute(
                    "SELECT 1 FROM suppressions WHERE key = ?", (key,)
                ).fetchone()
                if suppressed is None:
                    cur.execute(
                        "INSERT OR IGNORE INTO lifted (key, ws, at) VALUES (?, ?, ?)",
                        (key, ws, at),
                    )
                    added["lifted"] += cur.rowcount
        return added

    def copy_to(self, dest: Path) -> None:
        """A consistent copy of the whole ledger into the new file `dest` (a backup)."""
        with self._lock:
            snapshot(self._conn, dest)

    def close(self) -> None:
        with self._lock:
            self._conn.close()
