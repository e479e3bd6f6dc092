"""Backup and restore keep erasures: a subject erased after a backup stays erased once it is
restored, and a backup that was altered or is incomplete is refused before anything changes.

Real Neo4j (stopped for the offline dump and load, then started again), Valkey and key store.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from app.backup import (
    KEYS_FILE,
    LEDGER_FILE,
    MANIFEST,
    RestoreReport,
    restore_backup,
    take_backup,
)
from app.bootstrap import Container
from app.domain.messages import TrackedMessage
from app.errors import BackupError
from app.localservices.neo4j_server import LocalNeo4j
from app.ports.sources import Source
from app.privacy.keystore import LocalKeyStore, load_kek
from app.settings import Settings
from tests.messages import message
from tests.pipeline import drain, stored_events
from tests.services import Endpoints
from tests.support.leftovers import leftovers
from tests.support.profiles import profile_id_or_none

pytestmark = pytest.mark.integration

T0 = 1_700_000_000.0
ALICE = {"user": "alice-bk-1", "anon": "alice-bk-anon", "email": "alice.bk@example.com"}
MUM = {
    "user": "mum-bk-7",
    "anon": "mum-bk-anon",
    "email": "Mum.Backup@Family.example",
    "phone": "+44 20 7946 0123",
}
MUM_SECRETS = [
    "mum-bk-7",
    "mum-bk-anon",
    "mum.backup@family.example",
    "+442079460123",
    "Mum-Secret-Name",
    "mum-secret-basket",
]


def alice_messages(source: str) -> list[TrackedMessage]:
    return [
        message(
            "identify",
            user=ALICE["user"],
            anon=ALICE["anon"],
            email=ALICE["email"],
            traits={"first_name": "Alice"},
            source=source,
            at=T0,
        ),
        *[message(anon=ALICE["anon"], source=source, at=T0 + 1 + i) for i in range(3)],
    ]


def mum_messages(source: str) -> list[TrackedMessage]:
    return [
        message(
            "identify",
            user=MUM["user"],
            anon=MUM["anon"],
            email=MUM["email"],
            phone=MUM["phone"],
            traits={"first_name": "Mum-Secret-Name"},
            source=source,
            at=T0 + 10,
        ),
        *[
            message(
                anon=MUM["anon"],
                properties={"basket": "mum-secret-basket"},
                source=source,
                at=T0 + 11 + i,
            )
            for i in range(2)
        ],
    ]


async def _keys(container: Container, person: dict[str, str]) -> list[str]:
    types = {"user": "user_id", "anon": "anonymous_id", "email": "email", "phone": "phone"}
    found = [await container.curation.find_key(types[k], v) for k, v in person.items()]
    assert all(found)
    return [k for k in found if k]


def _live_keys(settings: Settings) -> LocalKeyStore:
    kek = load_kek(None, settings.resolved_kek_file, allow_generate=False)
    return LocalKeyStore(settings.resolved_keystore_path, kek, settings.kek_id, cache_size=0)


def _log(text: str) -> None:
    """Progress of the backup and the restore, with times (shown when the test fails)."""
    print(f"{time.monotonic():8.1f}s {text}", flush=True)


def _altered(backup: Path, into: Path, change: str) -> Path:
    copy = into / change
    shutil.copytree(backup, copy)
    if change == "keys-flipped":
        data = bytearray((copy / KEYS_FILE).read_bytes())
        data[len(data) // 2] ^= 0x01
        (copy / KEYS_FILE).write_bytes(bytes(data))
    elif change == "ledger-missing":
        (copy / LEDGER_FILE).unlink()
    elif change == "manifest-edited":
        manifest = json.loads((copy / MANIFEST).read_text())
        manifest["key_store"]["keys"] += 1
        (copy / MANIFEST).write_text(json.dumps(manifest))
    elif change == "dump-truncated":
        dump = copy / "neo4j.dump"
        dump.write_bytes(dump.read_bytes()[:-100])
    return copy


@dataclass(frozen=True)
class BackedUp:
    """What the workspace held when the backup was taken."""

    source: Source
    alice_pid: str
    alice_keys: list[str]
    mum_keys: list[str]
    events: int


async def _put_data_in(container: Container) -> BackedUp:
    """Alice and Mum, their events resolved into the graph."""
    source = (await container.sources.create("web")).source
    await container.acceptance.accept(source, alice_messages(source.id) + mum_messages(source.id))
    await drain(container)
    alice_pid = await profile_id_or_none(container, "user_id", ALICE["user"])
    assert alice_pid and await profile_id_or_none(container, "user_id", MUM["user"])
    alice_keys, mum_keys = await _keys(container, ALICE), await _keys(container, MUM)
    events_before = await stored_events(container)
    assert events_before == 7
    return BackedUp(source, alice_pid, alice_keys, mum_keys, events_before)


async def _check_the_backup(
    container: Container,
    settings: Settings,
    backup: Path,
    manifest: dict[str, Any],
    before: BackedUp,
) -> None:
    """Graph (offline dump), key store, ledger and signed manifest, with their counts; no key
    in clear."""
    assert sorted(p.name for p in backup.iterdir()) == sorted(
        [MANIFEST, KEYS_FILE, LEDGER_FILE, "neo4j.dump"]
    )
    assert set(manifest["files"]) == {KEYS_FILE, LEDGER_FILE, "neo4j.dump"}
    assert manifest["order"] == ["neo4j", "key_store", "ledger"]
    assert manifest["neo4j"]["version"] and manifest["neo4j"]["edition"] == "community"
    assert manifest["neo4j"]["nodes_by_label"]["Event"] == before.events
    assert manifest["neo4j"]["nodes_by_label"]["Identifier"] == 7
    assert settings.workspace in manifest["workspaces"]
    # The count store agrees with a scan (the fallback for users refused its procedure).
    scanned = await container.graph.read("backup/nodes_by_label_scan")
    assert {r["label"]: r["nodes"] for r in scanned} == manifest["neo4j"]["nodes_by_label"]
    with _live_keys(settings) as live:
        assert manifest["key_store"]["keys"] == live.count()
        assert manifest["key_store"]["kek_id"] == live.kek_id
    assert manifest["ledger"]["suppressions"] == len(container.ledger.content().suppressions)
    # No key in clear: neither the data keys nor the KEK are in any file of the backup.
    blob = b"".join(p.read_bytes() for p in backup.iterdir())
    data_keys = container.keystore.get(before.alice_keys + before.mum_keys)
    assert len(data_keys) == 7
    assert not any(key in blob for key in data_keys.values())
    assert load_kek(None, settings.resolved_kek_file, allow_generate=False) not in blob


async def _add_a_newcomer_and_erase_mum(container: Container, mum_keys: list[str]) -> str:
    """After the backup: a newcomer, and the erasure of someone the backup holds (its id)."""
    await container.ingestion.ingest([message(user="carol-bk-3", email="carol.bk@example.com")])

    async def no_worker(request_id: str) -> None:
        return None

    erased = await container.erasure.request("user_id", MUM["user"], "dpo", "", no_worker)
    assert (await container.erasure.run(erased.id)).status == "completed"
    assert container.keystore.get(mum_keys) == {}
    return erased.id


async def _altered_backups_are_refused(
    container: Container, settings: Settings, backup: Path, tmp_path: Path, neo4j: LocalNeo4j
) -> None:
    """An altered or incomplete backup is refused, and nothing is touched."""
    pid = neo4j.process.pid()
    refusals = {
        "keys-flipped": f"{KEYS_FILE} does not match its SHA-256",
        "ledger-missing": f"incomplete: {LEDGER_FILE} is missing",
        "manifest-edited": f"{MANIFEST} does not carry a valid signature",
        "dump-truncated": "neo4j.dump has",
    }
    for change, refusal in refusals.items():
        with pytest.raises(BackupError, match=re.escape(refusal)):
            await restore_backup(settings, _altered(backup, tmp_path, change), neo4j, by="ops")
    assert neo4j.process.pid() == pid
    assert await profile_id_or_none(container, "user_id", "carol-bk-3") is not None


async def _check_the_restore_report(
    container: Container, settings: Settings, report: RestoreReport, manifest: dict[str, Any]
) -> None:
    """The loaded graph is the one counted, the erasure was run again, and it is audited."""
    assert report.graph_differences == {}  # the loaded graph is the one the manifest counted
    assert report.ledger_added == {"suppressions": 0, "receipts": 0, "lifted": 0}
    assert report.keys_destroyed == 0  # her keys never came back from the backup
    ws = report.reapplied[settings.workspace]
    assert ws["erasures_started"] == 1 and ws["erasures_completed"] == 1
    # The restore audits itself once, under the name its caller gave (refusals leave none).
    restored = await container.audit.entries(action="backup.restored")
    assert [(e.actor, e.target, e.details) for e in restored] == [
        ("ops", None, {"backup_created_at": manifest["created_at"], "erasures_run": 1})
    ]


async def _erased_subject_stays_erased(
    container: Container, settings: Settings, before: BackedUp, erasure_id: str
) -> None:
    """No identifier, no event, no value, no key of hers; her receipt; her replay dropped."""
    for type_, value in [("user_id", MUM["user"]), ("email", MUM["email"])]:
        assert await profile_id_or_none(container, type_, value) is None
    assert await leftovers(container, MUM_SECRETS + before.mum_keys) == []
    with _live_keys(settings) as live:
        assert live.get(before.mum_keys) == {}
        assert len(live.get(before.alice_keys)) == len(before.alice_keys)
    status = await container.erasure.status(erasure_id)
    assert status is not None and status.status == "completed"  # her receipt, from the ledger
    # ...and a replay of her old events is dropped.
    replay = await container.ingestion.ingest(mum_messages(before.source.id))
    assert (replay.suppressed, replay.stored) == (3, 0)
    assert await profile_id_or_none(container, "user_id", MUM["user"]) is None


async def _what_the_backup_held_is_back(container: Container, before: BackedUp) -> None:
    """Alice with every sealed value opening; nothing that came after the backup."""
    assert await profile_id_or_none(container, "user_id", ALICE["user"]) == before.alice_pid
    export = await container.exporter.export_profile(before.alice_pid)
    assert len(export["events"]) == 4
    assert "unavailable" not in json.dumps(export)
    assert {i["value"] for i in export["identifiers"]} == {
        ALICE["user"],
        ALICE["anon"],
        ALICE["email"].lower(),
    }
    assert await stored_events(container) == 4
    # What came after the backup is not (the graph is the backup's).
    assert await profile_id_or_none(container, "user_id", "carol-bk-3") is None


# Neo4j is stopped and started twice (the dump, the load): about a minute on an idle 2-core
# machine, several times that when other suites share it.
@pytest.mark.timeout(400)
async def test_a_restore_brings_back_the_backup_and_keeps_later_erasures(
    container: Container, settings: Settings, endpoints: Endpoints, tmp_path: Path
) -> None:
    neo4j: LocalNeo4j | None = endpoints.local_neo4j
    if neo4j is None:
        pytest.skip("needs the locally launched Neo4j: it is stopped for the dump and the load")
    _log("data in")
    before = await _put_data_in(container)

    # -- the backup: graph (offline dump), key store, ledger, signed manifest -------------
    backup = tmp_path / "backup"
    manifest = await take_backup(settings, backup, neo4j, say=_log)
    assert neo4j.is_running()
    await _check_the_backup(container, settings, backup, manifest, before)

    # -- after it: a newcomer, and the erasure of someone the backup holds ----------------
    _log("backup checked")
    erasure_id = await _add_a_newcomer_and_erase_mum(container, before.mum_keys)

    # -- an altered or incomplete backup is refused, and nothing is touched --------------
    _log("erased")
    await _altered_backups_are_refused(container, settings, backup, tmp_path, neo4j)

    # -- the restore -----------------------------------------------------------------------
    _log("refusals checked")
    report = await restore_backup(settings, backup, neo4j, by="ops", say=_log)
    _log("restored")
    assert neo4j.is_running()
    await _check_the_restore_report(container, settings, report, manifest)
    # The erased subject stays erased: no identifier, no event, no value, no key...
    await _erased_subject_stays_erased(container, settings, before, erasure_id)
    # What the backup held is back, and every sealed value opens.
    await _what_the_backup_held_is_back(container, before)
    _log("checked")
