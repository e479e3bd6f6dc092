"""`cdp backup` and `cdp restore`: the graph, the key store and the privacy ledger, together.

A backup is one folder: an offline dump of the Neo4j database, a copy of the key store (its
data keys still wrapped under the KEK), a copy of the privacy ledger, and `manifest.json`
(counts, the SHA-256 of every file, and an HMAC under a key derived from the KEK). The three
are taken in this order, graph first, so that every ciphertext in the dump has its data key
in the key store copy unless it belongs to an erased subject, whose suppression is then in
the ledger copy. A restore verifies everything before it changes anything, merges the
backup's ledger into the current one (the newer ledger wins), imports the backup's keys
without the erased subjects', loads the dump, and erases again in the restored graph whoever
was erased after the backup was taken. docs/backup.md explains why each step is where it is.
"""

from app.backup.manifest import (
    FORMAT,
    KEYS_FILE,
    LEDGER_FILE,
    MANIFEST,
    ORDER,
    Keyring,
    verify_backup,
    write_manifest,
)
from app.backup.restoring import RestoreReport, restore_backup, restore_keys
from app.backup.taking import take_backup

__all__ = [
    "FORMAT",
    "KEYS_FILE",
    "LEDGER_FILE",
    "MANIFEST",
    "ORDER",
    "Keyring",
    "RestoreReport",
    "restore_backup",
    "restore_keys",
    "take_backup",
    "verify_backup",
    "write_manifest",
]
