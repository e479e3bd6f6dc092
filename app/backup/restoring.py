"""`cdp restore`: verify everything, then load the graph, merge the ledgers, import the keys
without the erased subjects', and erase again whoever the restored graph brought back."""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.backup.manifest import (
    EXTERNAL_RESTORE,
    Keyring,
    graph_facts,
    load_keyring,
    open_keys,
    quiet,
    verify_backup,
)
from app.errors import BackupError, CdpError, LocalServiceError
from app.localservices.neo4j_server import LocalNeo4j
from app.localservices.stack import effective_urls
from app.privacy.errors import KeyMaterialError
from app.privacy.keystore import LocalKeyStore
from app.privacy.ledger import LedgerContent, PrivacyLedger
from app.privacy.stream_seal import OWNER_PREFIX
from app.settings import Settings

log = logging.getLogger(__name__)

_IMPORT_PAGE = 1000


@dataclass
class RestoreReport:
    created_at: float
    graph_loaded: bool
    #: Nodes per label of the loaded graph, before erasures were applied again.
    loaded_nodes_by_label: dict[str, int] = field(default_factory=dict)
    #: Labels whose count differs from the manifest's (label: (manifest, loaded)).
    graph_differences: dict[str, tuple[int, int]] = field(default_factory=dict)
    ledger_added: dict[str, int] = field(default_factory=dict)
    keys_imported: int = 0
    keys_destroyed: int = 0
    #: Per workspace: what `ErasureService.reapply` reported, plus erasures run here.
    reapplied: dict[str, dict[str, int]] = field(default_factory=dict)
    #: Erasures a live runner still held: left to the worker.
    left_to_worker: list[str] = field(default_factory=list)
    #: Erasures that failed here (recorded as failed; `cdp erasures resume` retries them).
    failed_erasures: list[str] = field(default_factory=list)


def _stage(source: Path, name: str, staging: Path) -> Path:
    staged = staging / name
    shutil.copyfile(source / name, staged)
    staged.chmod(0o600)
    return staged


async def restore_backup(
    settings: Settings,
    source: Path,
    neo4j: LocalNeo4j | None,
    *,
    by: str,
    with_graph: bool = True,
    say: Callable[[str], None] = quiet,
) -> RestoreReport:
    """Restore the backup in `source` and apply again every erasure the current ledger knows.

    Nothing changes until the whole backup is verified (checksums, signature, the key store
    opens under the configured KEK). Then: the graph is loaded (Neo4j stopped), the backup's
    ledger merged into the current one, the backup's keys imported except the suppressed
    identifiers' and those destroyed again, Neo4j started, and per workspace the suppressions
    and receipts re-applied and every subject the restored graph brought back erased again,
    here, before this returns. Each workspace's audit log records the restore once
    (`backup.restored`) under `by`, whichever command ran it."""
    source = source.resolve()
    ring = load_keyring(settings)
    manifest = await asyncio.to_thread(verify_backup, source, ring.all)
    database = settings.neo4j_database
    if with_graph:
        _check_graph(manifest, neo4j, database)
    report = RestoreReport(created_at=float(manifest["created_at"]), graph_loaded=with_graph)
    home = settings.resolved_keystore_path.parent
    home.mkdir(parents=True, exist_ok=True)
    # Beside the live key store: the staged copy (keys still wrapped) gets its protection.
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=home))
    try:
        loader = neo4j if with_graph else None
        was_running = loader.is_running() if loader is not None else False
        merged = await _restore_stores(
            settings, source, manifest, ring, staging, loader, report, say
        )
        if loader is not None:
            say("starting Neo4j")
            await asyncio.to_thread(loader.start)
        uri, _ = effective_urls(settings)
        facts = await graph_facts(uri, settings.neo4j_auth, database)
        _compare(manifest, facts, report)
        workspaces = sorted(
            set(manifest["workspaces"]) | set(merged.workspaces) | set(facts["workspaces"])
        )
        for ws in workspaces:
            say(f"applying erasures again in workspace {ws}")
            report.reapplied[ws] = await _reapply(settings, ws, by, report)
        if loader is not None and not was_running:
            await asyncio.to_thread(loader.stop)
        return report
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _check_graph(manifest: dict[str, Any], neo4j: LocalNeo4j | None, database: str) -> None:
    """A graph restore needs a local Neo4j, and a backup holding this database's dump."""
    graph_file = manifest["neo4j"].get("file")
    if neo4j is None:
        raise BackupError(EXTERNAL_RESTORE)
    if not graph_file:
        raise BackupError(
            "this backup holds no graph (it was taken with --without-graph): restore the"
            " graph on the Neo4j side, then run `cdp restore --without-graph`"
        )
    if graph_file != f"{database}.dump":
        raise BackupError(
            f"the backup's graph is {graph_file}, but the database is {database!r} (NEO4J_DATABASE)"
        )


async def _restore_stores(
    settings: Settings,
    source: Path,
    manifest: dict[str, Any],
    ring: Keyring,
    staging: Path,
    neo4j: LocalNeo4j | None,
    report: RestoreReport,
    say: Callable[[str], None],
) -> LedgerContent:
    """Stage and open the backup's stores, then (everything verified) load the graph, merge
    the ledgers and import the keys; the merged ledger's content."""
    keys_file = manifest["key_store"]["file"]
    try:
        backup_keys = await asyncio.to_thread(open_keys, _stage(source, keys_file, staging), ring)
    except KeyMaterialError as exc:
        raise BackupError(
            f"{keys_file}: {exc}. Its keys are wrapped under KEK id"
            f" {manifest['key_store']['kek_id']!r}: give that KEK as CDP_KEK, or as"
            " CDP_KEK_PREVIOUS beside the current one"
        ) from exc
    try:
        staged_ledger = await asyncio.to_thread(
            PrivacyLedger, _stage(source, manifest["ledger"]["file"], staging)
        )
        older = await asyncio.to_thread(staged_ledger.content)
        await asyncio.to_thread(staged_ledger.close)
        if neo4j is not None:
            # Everything is verified: from here on the live stores change.
            await _load_graph(neo4j, settings.neo4j_database, source, manifest, say)
        merged = await asyncio.to_thread(_merge_ledger, settings, older, report)
        say("importing the backup's data keys, without the erased subjects'")
        await asyncio.to_thread(restore_keys, settings, ring, backup_keys, merged, report)
        return merged
    finally:
        await asyncio.to_thread(backup_keys.close)


async def _load_graph(
    neo4j: LocalNeo4j,
    database: str,
    source: Path,
    manifest: dict[str, Any],
    say: Callable[[str], None],
) -> None:
    say("stopping Neo4j: Community loads a database offline")
    await asyncio.to_thread(neo4j.stop)
    say("loading the graph (neo4j-admin database load --overwrite-destination)")
    try:
        await asyncio.to_thread(neo4j.load, database, source)
    except LocalServiceError as exc:
        raise BackupError(
            f"loading {manifest['neo4j'].get('file')} failed, so Neo4j is left stopped and the"
            " key store and the ledger are untouched; fix the cause and run the restore again"
            f" (every step can be repeated): {exc}"
        ) from exc


def _compare(manifest: dict[str, Any], facts: dict[str, Any], report: RestoreReport) -> None:
    """The loaded graph's nodes per label, and where they differ from the manifest's."""
    report.loaded_nodes_by_label = facts["nodes_by_label"]
    expected: dict[str, int] = manifest["neo4j"]["nodes_by_label"]
    loaded: dict[str, int] = facts["nodes_by_label"]
    report.graph_differences = {
        label: (expected.get(label, 0), loaded.get(label, 0))
        for label in sorted(set(expected) | set(loaded))
        if expected.get(label, 0) != loaded.get(label, 0)
    }


def _merge_ledger(settings: Settings, older: LedgerContent, report: RestoreReport) -> LedgerContent:
    """The backup's ledger merged into the current one; the merged content."""
    ledger = PrivacyLedger(settings.resolved_ledger_path)
    try:
        report.ledger_added = ledger.merge(older)
        return ledger.content()
    finally:
        ledger.close()


def restore_keys(
    settings: Settings,
    ring: Keyring,
    backup: LocalKeyStore,
    ledger: LedgerContent,
    report: RestoreReport,
) -> None:
    """Import the backup's data keys into the live store, never a suppressed identifier's.

    Keys the live store already has stay as they are. Stream keys come from the live store
    when it has any (they seal what waits in Valkey now; the backup's belong to periods whose
    keys were destroyed since), else from the backup (a lost key store). Nor imported: the key
    of an identifier whose suppression was lifted after the backup was taken (what the backup
    holds for it is the key from before its erasure). Finally every suppressed identifier's key
    is destroyed, wherever it came from."""
    suppressed = sorted({row[0] for row in ledger.suppressions})
    blocked = set(suppressed) | {key for key, _, at in ledger.lifted if at > report.created_at}
    try:
        live = open_keys(settings.resolved_keystore_path, ring)
    except KeyMaterialError as exc:
        raise BackupError(
            f"the live key store does not open with the configured KEK: {exc}"
        ) from exc
    try:
        skip_stream = bool(live.owners(OWNER_PREFIX, limit=1))
        after = ""
        while page := backup.export_keys(after, _IMPORT_PAGE):
            after = page[-1][0]
            wanted = [
                k
                for k in page
                if k[0] not in blocked and not (skip_stream and k[0].startswith(OWNER_PREFIX))
            ]
            report.keys_imported += live.import_keys(wanted)
        report.keys_destroyed = live.destroy(suppressed) if suppressed else 0
    finally:
        live.close()


async def _reapply(settings: Settings, ws: str, by: str, report: RestoreReport) -> dict[str, int]:
    """One workspace: finish the erasures the backup caught half-way, put the ledger's
    suppressions and receipts back, erase again whoever the restored graph brought back."""
    from app.bootstrap import build_container
    from app.services.privacy.erasure import LeaseHeld

    container = await build_container(settings.model_copy(update={"workspace": ws}))
    try:
        # The backup may predate constraints or purposes this version adds.
        await container.prepare_graph()

        async def finish(request_id: str) -> bool:
            try:
                await container.erasure.run(request_id)
            except LeaseHeld:
                await container.enqueue_erasure(request_id)
                report.left_to_worker.append(request_id)
                return False
            except CdpError:
                log.exception("an erasure failed during a restore", extra={"erasure": request_id})
                report.failed_erasures.append(request_id)
                return False
            return True

        resumed = 0
        for request_id, lease_left in await container.erasure.open_requests():
            if lease_left > 0:
                await container.enqueue_erasure(request_id, defer_seconds=lease_left)
                report.left_to_worker.append(request_id)
            elif await finish(request_id):
                resumed += 1
        started: list[str] = []

        async def collect(request_id: str) -> None:
            started.append(request_id)

        result = await container.erasure.reapply(by, collect)
        completed = [request_id for request_id in started if await finish(request_id)]
        await container.audit.record(
            by,
            "backup.restored",
            None,
            {"backup_created_at": report.created_at, "erasures_run": len(completed) + resumed},
        )
        return {**result, "erasures_resumed": resumed, "erasures_completed": len(completed)}
    finally:
        await container.close()
