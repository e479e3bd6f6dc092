"""The port every key store implements, and what a copy of the local one holds."""

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from .sqlite_copy import open_read_only


@runtime_checkable
class KeyStore(Protocol):
    """Where data keys live. Local SQLite by default; a KMS-backed store in production."""

    def get_or_create(self, owners: Sequence[str]) -> dict[str, bytes]:
        """Data key per owner; missing ones are created and durably stored before returning."""
        ...

    def get(self, owners: Sequence[str]) -> dict[str, bytes]:
        """Data key per owner; missing or destroyed owners are absent from the result."""
        ...

    def destroy(self, owners: Sequence[str]) -> int:
        """Destroy keys for good (crypto-shredding); returns how many existed."""
        ...

    def rewrap_step(self, limit: int = 1000) -> tuple[int, int]:
        """Move up to `limit` keys to the current KEK; (moved, still under an older one)."""
        ...

    def owners(self, prefix: str, after: str = "", limit: int = 1000) -> list[str]:
        """Owners starting with `prefix`, in order, after `after` (paging for sweeps)."""
        ...

    def close(self) -> None:
        """Release the store; further calls fail."""
        ...


@dataclass(frozen=True)
class KeyStoreSummary:
    """What a copy of a key store holds, in counts (for a backup's manifest)."""

    #: The KEK the store records as its own (keys are wrapped under it once a rotation ends).
    kek_id: str
    keys: int
    #: Keys per KEK id that wrapped them (more than one only during a KEK rotation).
    keys_by_kek: dict[str, int]
    #: Stream keys among them (owners starting with `stream_prefix`).
    stream_keys: int


def summarize(path: Path, stream_prefix: str) -> KeyStoreSummary:
    """Counts of a key store file, read without changing it (a backup's copy)."""
    conn = open_read_only(path)
    try:
        (kek_id,) = conn.execute("SELECT value FROM meta WHERE name = 'kek_id'").fetchone()
        by_kek = dict(conn.execute("SELECT kek_id, COUNT(*) FROM data_keys GROUP BY kek_id"))
        (stream,) = conn.execute(
            "SELECT COUNT(*) FROM data_keys WHERE substr(owner, 1, ?) = ?",
            (len(stream_prefix), stream_prefix),
        ).fetchone()
    finally:
        conn.close()
    return KeyStoreSummary(
        kek_id=str(kek_id),
        keys=sum(int(n) for n in by_kek.values()),
        keys_by_kek={str(k): int(n) for k, n in sorted(by_kek.items())},
        stream_keys=int(stream),
    )
