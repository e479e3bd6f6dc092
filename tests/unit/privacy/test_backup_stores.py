"""The pieces of a backup that need no server: copies of the key store and the ledger, the
merge of an older ledger, keys moved between stores under different KEKs, the manifest's
signature and checksums."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from pathlib import Path

import pytest
from pydantic import SecretStr

from app.backup import (
    KEYS_FILE,
    LEDGER_FILE,
    MANIFEST,
    Keyring,
    RestoreReport,
    restore_keys,
    verify_backup,
    write_manifest,
)
from app.errors import BackupError
from app.privacy.keystore import LocalKeyStore, summarize
from app.privacy.ledger import LedgerContent, PrivacyLedger, Suppressed, ledger_counts
from app.privacy.stream_seal import OWNER_PREFIX
from app.settings import Settings

OLD_KEK, NEW_KEK = os.urandom(32), os.urandom(32)
OWNERS = [f"default:email:k1:{i:064x}" for i in range(4)]
STREAM = f"{OWNER_PREFIX}default/123"


def test_a_key_store_copy_is_one_file_with_the_keys_still_wrapped(tmp_path: Path) -> None:
    with LocalKeyStore(tmp_path / "live.sqlite", OLD_KEK, "k-old") as live:
        keys = live.get_or_create([*OWNERS, STREAM])
        copy = tmp_path / "copy.sqlite"
        live.copy_to(copy)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("copy")] == ["copy.sqlite"]
    assert copy.stat().st_mode & 0o777 == 0o600
    blob = copy.read_bytes()
    assert not any(key in blob for key in keys.values()) and OLD_KEK not in blob
    summary = summarize(copy, OWNER_PREFIX)
    assert (summary.kek_id, summary.keys, summary.stream_keys) == ("k-old", 5, 1)
    assert summary.keys_by_kek == {"k-old": 5}


def test_keys_move_from_a_backup_under_an_old_kek_into_a_store_under_a_new_one(
    tmp_path: Path,
) -> None:
    with LocalKeyStore(tmp_path / "backup.sqlite", OLD_KEK, "k-old") as backup:
        old_keys = backup.get_or_create(OWNERS)
    # The KEK was rotated since: the backup opens with the old one given as previous.
    with (
        LocalKeyStore(
            tmp_path / "backup.sqlite", NEW_KEK, "k-new", previous={"k-old": OLD_KEK}
        ) as backup,
        LocalKeyStore(tmp_path / "live.sqlite", NEW_KEK, "k-new") as live,
    ):
        kept = live.get_or_create([OWNERS[0]])  # the live store's own key wins
        exported = backup.export_keys("", 2) + backup.export_keys(OWNERS[1], 10)
        assert [o for o, _, _ in exported] == OWNERS
        assert live.import_keys(exported) == 3
        assert live.import_keys(exported) == 0
        assert live.get(OWNERS) == {**old_keys, **kept}
    assert summarize(tmp_path / "live.sqlite", OWNER_PREFIX).keys_by_kek == {"k-new": 4}


def test_merging_an_older_ledger_adds_what_is_missing_but_keeps_lifts(tmp_path: Path) -> None:
    older = PrivacyLedger(tmp_path / "older.sqlite")
    older.suppress("default", [Suppressed(k, "email", 10.0, "r1") for k in OWNERS[:3]])
    older.record_receipt("default", "r1", 11.0, "{}")
    live = PrivacyLedger(tmp_path / "live.sqlite")
    live.suppress("default", [Suppressed(k, "email", 10.0, "r1") for k in OWNERS[:2]])
    assert live.unsuppress([OWNERS[1]], at=20.0) == 1  # the person came back
    live.suppress("ws2", [Suppressed(OWNERS[3], "phone", 30.0, "r2")])
    added = live.merge(older.content())
    assert added == {"suppressions": 1, "receipts": 1, "lifted": 0}
    content = live.content()
    assert sorted(row[0] for row in content.suppressions) == [OWNERS[0], OWNERS[2], OWNERS[3]]
    assert [row[0] for row in content.lifted] == [OWNERS[1]]
    assert live.merge(older.content()) == {"suppressions": 0, "receipts": 0, "lifted": 0}
    assert content.workspaces == ["default", "ws2"]
    # Erased again after the lift: the suppression counts, the lift is forgotten.
    live.suppress("default", [Suppressed(OWNERS[1], "email", 40.0, "r3")])
    assert live.content().lifted == []
    copy = tmp_path / "copy.sqlite"
    live.copy_to(copy)
    counts = ledger_counts(copy)
    assert (counts["suppressions"], counts["receipts"], counts["lifted"]) == (4, 1, 0)
    older.close()
    live.close()


def _backup(tmp_path: Path) -> Path:
    """A backup folder without a graph, its manifest signed under the old KEK."""
    folder = tmp_path / "backup"
    folder.mkdir()
    files = {KEYS_FILE: b"keys", LEDGER_FILE: b"ledger"}
    for name, data in files.items():
        (folder / name).write_bytes(data)
    body = {
        "format": "cdp.backup/1",
        "created_at": 1.0,
        "neo4j": {"file": None},
        "key_store": {"file": KEYS_FILE},
        "ledger": {"file": LEDGER_FILE},
        "files": {
            name: {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
            for name, data in files.items()
        },
    }
    write_manifest(folder, body, Keyring("k-old", OLD_KEK))
    return folder


def test_a_manifest_is_checked_against_every_configured_kek(tmp_path: Path) -> None:
    folder = _backup(tmp_path)
    assert verify_backup(folder, [NEW_KEK, OLD_KEK])["mac"]["kek_id"] == "k-old"
    with pytest.raises(BackupError, match="signed under KEK id 'k-old'"):
        verify_backup(folder, [NEW_KEK])
    manifest = json.loads((folder / MANIFEST).read_text())
    manifest["created_at"] = 2.0
    (folder / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(BackupError, match="does not carry a valid signature"):
        verify_backup(folder, [OLD_KEK])


def test_a_partial_backup_is_refused(tmp_path: Path) -> None:
    folder = _backup(tmp_path)
    (folder / LEDGER_FILE).write_bytes(b"ledgeR")
    with pytest.raises(BackupError, match=re.escape(f"{LEDGER_FILE} does not match its SHA-256")):
        verify_backup(folder, [OLD_KEK])
    (folder / MANIFEST).unlink()
    with pytest.raises(BackupError, match=re.escape(f"no {MANIFEST}: not a backup")):
        verify_backup(folder, [OLD_KEK])


def test_a_restore_imports_keys_but_never_an_erased_or_since_lifted_identifiers(
    tmp_path: Path,
) -> None:
    settings = Settings(
        env="test", data_dir=tmp_path, kek=SecretStr(base64.b64encode(NEW_KEK).decode())
    )
    ring = Keyring(settings.kek_id, NEW_KEK)
    erased, lifted_since, kept, live_only = OWNERS
    old_stream, new_stream = f"{OWNER_PREFIX}default/1", f"{OWNER_PREFIX}default/2"
    with LocalKeyStore(tmp_path / "backup.sqlite", NEW_KEK, settings.kek_id) as backup:
        backup_keys = backup.get_or_create([erased, lifted_since, kept, old_stream])
    with LocalKeyStore(settings.resolved_keystore_path, NEW_KEK, settings.kek_id) as live:
        live_keys = live.get_or_create([live_only, new_stream])
    ledger = LedgerContent(
        suppressions=[(erased, "default", "email", 50.0, "r1")],
        lifted=[(lifted_since, "default", 60.0)],
    )
    report = RestoreReport(created_at=40.0, graph_loaded=True)
    with LocalKeyStore(tmp_path / "backup.sqlite", NEW_KEK, settings.kek_id) as backup:
        restore_keys(settings, ring, backup, ledger, report)
    assert (report.keys_imported, report.keys_destroyed) == (1, 0)
    with LocalKeyStore(settings.resolved_keystore_path, NEW_KEK, settings.kek_id) as live:
        assert live.get([erased, lifted_since, old_stream]) == {}
        assert live.get([kept]) == {kept: backup_keys[kept]}
        assert live.get([live_only, new_stream]) == live_keys
