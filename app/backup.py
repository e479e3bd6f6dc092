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

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from neo4j.exceptions import ClientError

from app.adapters.neo4j_db import Graph, create_driver
from app.errors import BackupError, CdpError, LocalServiceError
from app.localservices.neo4j_server import LocalNeo4j
from app.localservices.stack import effective_urls
from app.privacy.errors import KeyMaterialError
from app.privacy.keystore import LocalKeyStore, load_kek, summarize
from app.privacy.ledger import LedgerContent, PrivacyLedger, ledger_counts
from app.privacy.stream_seal import OWNER_PREFIX
from app.settings import Settings

log = logging.getLogger(__name__)

FORMAT = "cdp.backup/1"
MANIFEST = "manifest.json"
KEYS_FILE = "datakeys.sqlite"
LEDGER_FILE = "ledger.sqlite"
#: What each backup step copies, in the order it is taken (docs/backup.md, "Order").
ORDER = ("neo4j", "key_store", "ledger")
_MAC_LABEL = b"cdp backup manifest v1"
_IMPORT_PAGE = 1000

EXTERNAL_BACKUP = (
    "Neo4j is external (NEO4J_URI is set): cdp cannot stop it for an offline dump. Back the"
    " graph up on the Neo4j side first (Enterprise, online: `neo4j-admin database backup"
    " --to-path=DIR neo4j`; Community: stop the server, `neo4j-admin database dump neo4j"
    " --to-path=DIR`, start it again), then at once run `cdp backup --without-graph DIR`"
    " for the key store and the ledger (docs/backup.md)."
)
EXTERNAL_RESTORE = (
    "Neo4j is external (NEO4J_URI is set): cdp cannot stop it to load a dump. Restore the"
    " graph on the Neo4j side (Enterprise: `neo4j-admin database restore`; Community:"
    " `neo4j-admin database load --overwrite-destination=true`), then run"
    " `cdp restore --without-graph DIR` (docs/backup.md)."
)


def _quiet(_: str) -> None:
    return None


@dataclass(frozen=True)
class Keyring:
    """The KEKs this process holds: the current one (labelled as its key store records it)
    and those of CDP_KEK_PREVIOUS."""

    current_id: str
    current: bytes
    previous: dict[str, bytes] = field(default_factory=dict)

    @property
    def all(self) -> list[bytes]:
        return [self.current, *self.previous.values()]


def _load_keyring(settings: Settings) -> Keyring:
    """The configured KEKs; never generates one (a backup or a restore under a new KEK would
    be unreadable)."""
    kek = load_kek(
        settings.kek.get_secret_value() if settings.kek else None,
        settings.resolved_kek_file,
        allow_generate=False,
    )
    return Keyring(settings.kek_id, kek, settings.previous_keks)


def _open_keys(path: Path, ring: Keyring) -> LocalKeyStore:
    return LocalKeyStore(path, ring.current, ring.current_id, cache_size=0, previous=ring.previous)


def _canonical(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def _mac(kek: bytes, body: dict[str, Any]) -> str:
    """HMAC-SHA256 of the manifest under a key derived from the KEK: whoever can restore a
    backup (they hold the KEK) can tell whether its manifest was altered."""
    key = hmac.new(kek, _MAC_LABEL, hashlib.sha256).digest()
    return hmac.new(key, _canonical(body), hashlib.sha256).hexdigest()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


async def _graph_facts(uri: str, auth: tuple[str, str] | None, database: str) -> dict[str, Any]:
    """Version, workspaces and nodes per label of a running Neo4j."""
    driver = create_driver(uri, auth)
    try:
        graph = Graph(driver, database)
        server = await graph.read("backup/server_version")
        try:
            labels = await graph.read("backup/nodes_by_label")
        except ClientError:  # the count store's procedure is refused to this user
            labels = await graph.read("backup/nodes_by_label_scan")
        workspaces = await graph.read("backup/workspaces")
    finally:
        await driver.close()
    return {
        "version": server[0]["version"] if server else None,
        "edition": server[0]["edition"] if server else None,
        "nodes_by_label": {r["label"]: int(r["nodes"]) for r in labels},
        "workspaces": [r["ws"] for r in workspaces],
    }


def _write_manifest(target: Path, body: dict[str, Any], ring: Keyring) -> dict[str, Any]:
    manifest = {**body, "mac": {"kek_id": ring.current_id, "hmac_sha256": _mac(ring.current, body)}}
    partial = target / f".{MANIFEST}.partial"
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(manifest, out, indent=2, sort_keys=True)
        out.write("\n")
        out.flush()
        os.fsync(out.fileno())
    # Written last, and whole: a folder without it is a backup that did not finish.
    partial.rename(target / MANIFEST)
    return manifest


async def take_backup(
    settings: Settings,
    target: Path,
    neo4j: LocalNeo4j | None,
    *,
    with_graph: bool = True,
    say: Callable[[str], None] = _quiet,
    clock: Callable[[], float] = time.time,
) -> dict[str, Any]:
    """Back up into `target` (new or empty): graph, then key store, then ledger, then the
    manifest. `neo4j` is the local server to stop for the dump; None when it is external,
    which only a backup `with_graph=False` accepts. Returns the manifest."""
    target = target.resolve()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(f"{target} is not an empty folder: a backup goes into a new one")
    if with_graph and neo4j is None:
        raise BackupError(EXTERNAL_BACKUP)
    ring = _load_keyring(settings)
    try:
        keys = await asyncio.to_thread(_open_keys, settings.resolved_keystore_path, ring)
    except KeyMaterialError as exc:
        raise BackupError(f"the key store does not open with the configured KEK: {exc}") from exc
    ring = Keyring(keys.kek_id, ring.current, ring.previous)
    ledger = await asyncio.to_thread(PrivacyLedger, settings.resolved_ledger_path)
    created_target = not target.exists()
    target.mkdir(parents=True, exist_ok=True, mode=0o700)
    started = clock()
    try:
        database = settings.neo4j_database
        graph_file: str | None = None
        if neo4j is not None and with_graph:
            was_running = neo4j.is_running()
            if not was_running:
                say("starting Neo4j to read its counts")
                await asyncio.to_thread(neo4j.start)
            facts = await _graph_facts(neo4j.bolt_uri, None, database)
            say("stopping Neo4j: Community dumps a database offline")
            await asyncio.to_thread(neo4j.stop)
            try:
                say("dumping the graph (neo4j-admin database dump)")
                dump = await asyncio.to_thread(neo4j.dump, database, target)
                dump.chmod(0o600)
                graph_file = dump.name
                # Graph first, then keys, then ledger (docs/backup.md, "Order").
                say("copying the key store")
                await asyncio.to_thread(keys.copy_to, target / KEYS_FILE)
                say("copying the ledger")
                await asyncio.to_thread(ledger.copy_to, target / LEDGER_FILE)
            finally:
                if was_running:
                    say("starting Neo4j again")
                    await asyncio.to_thread(neo4j.start)
            method = "neo4j-admin database dump (offline)"
        else:
            uri, _ = effective_urls(settings)
            facts = await _graph_facts(uri, settings.neo4j_auth, database)
            say("copying the key store")
            await asyncio.to_thread(keys.copy_to, target / KEYS_FILE)
            say("copying the ledger")
            await asyncio.to_thread(ledger.copy_to, target / LEDGER_FILE)
            method = "external: backed up on the Neo4j side before this backup"
        summary = summarize(target / KEYS_FILE, OWNER_PREFIX)
        ledger_summary = ledger_counts(target / LEDGER_FILE)
        names = [n for n in (graph_file, KEYS_FILE, LEDGER_FILE) if n is not None]
        files = {
            name: {
                "sha256": await asyncio.to_thread(_sha256, target / name),
                "bytes": (target / name).stat().st_size,
            }
            for name in names
        }
        body: dict[str, Any] = {
            "format": FORMAT,
            "created_at": started,
            "created_at_utc": datetime.fromtimestamp(started, UTC).isoformat(),
            "order": list(ORDER),
            "workspaces": sorted(set(facts["workspaces"]) | set(ledger_summary["workspaces"])),
            "neo4j": {
                "database": database,
                "version": facts["version"],
                "edition": facts["edition"],
                "method": method,
                "file": graph_file,
                "nodes_by_label": facts["nodes_by_label"],
            },
            "key_store": {
                "file": KEYS_FILE,
                "kek_id": summary.kek_id,
                "keys": summary.keys,
                "keys_by_kek": summary.keys_by_kek,
                "stream_keys": summary.stream_keys,
                "wrapped": True,
            },
            "ledger": {
                "file": LEDGER_FILE,
                "suppressions": ledger_summary["suppressions"],
                "receipts": ledger_summary["receipts"],
                "lifted": ledger_summary["lifted"],
            },
            "files": files,
        }
        return _write_manifest(target, body, ring)
    except BaseException:
        for name in os.listdir(target):
            with contextlib.suppress(OSError):
                (target / name).unlink()
        if created_target:
            with contextlib.suppress(OSError):
                target.rmdir()
        raise
    finally:
        await asyncio.to_thread(keys.close)
        await asyncio.to_thread(ledger.close)


def verify_backup(source: Path, keks: Sequence[bytes]) -> dict[str, Any]:
    """The manifest of a complete, unaltered backup; BackupError naming what is wrong.

    The manifest must carry a valid HMAC under one of `keks`, and every file it lists must be
    there with its size and SHA-256."""
    if not source.is_dir():
        raise BackupError(f"{source} is not a folder")
    path = source / MANIFEST
    if not path.is_file():
        raise BackupError(f"{source} has no {MANIFEST}: not a backup, or one that did not finish")
    try:
        manifest = json.loads(path.read_bytes())
    except ValueError as exc:
        raise BackupError(f"{MANIFEST} is not valid JSON: the backup is damaged") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        found = manifest.get("format") if isinstance(manifest, dict) else None
        raise BackupError(f"{MANIFEST} is not a {FORMAT} manifest (format {found!r})")
    mac = manifest.pop("mac", None)
    signed_by = mac.get("kek_id") if isinstance(mac, dict) else None
    tag = str(mac.get("hmac_sha256", "")) if isinstance(mac, dict) else ""
    if not any(hmac.compare_digest(_mac(kek, manifest), tag) for kek in keks):
        raise BackupError(
            f"{MANIFEST} does not carry a valid signature under any configured KEK: it was"
            f" altered, or it was signed under KEK id {signed_by!r}, which is not configured"
            " (give that KEK as CDP_KEK, or as CDP_KEK_PREVIOUS beside the current one)"
        )
    files: dict[str, dict[str, Any]] = manifest["files"]
    wanted = [manifest["key_store"]["file"], manifest["ledger"]["file"]]
    if manifest["neo4j"].get("file"):
        wanted.append(manifest["neo4j"]["file"])
    for name in wanted:
        if name not in files:
            raise BackupError(f"{MANIFEST} lists no checksum for {name}")
    for name, entry in sorted(files.items()):
        if Path(name).name != name or name.startswith("."):
            raise BackupError(f"{MANIFEST} names a file outside the backup: {name!r}")
        file = source / name
        if not file.is_file():
            raise BackupError(f"the backup is incomplete: {name} is missing")
        size = file.stat().st_size
        if size != int(entry["bytes"]):
            raise BackupError(
                f"{name} has {size} bytes where {MANIFEST} says {entry['bytes']}: it was"
                " truncated or altered"
            )
        if not hmac.compare_digest(_sha256(file), str(entry["sha256"])):
            raise BackupError(
                f"{name} does not match its SHA-256 in {MANIFEST}: it was altered or damaged"
            )
    manifest["mac"] = mac
    return manifest


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
    with_graph: bool = True,
    by: str = "cli",
    say: Callable[[str], None] = _quiet,
) -> RestoreReport:
    """Restore the backup in `source` and apply again every erasure the current ledger knows.

    Nothing changes until the whole backup is verified (checksums, signature, the key store
    opens under the configured KEK). Then: the graph is loaded (Neo4j stopped), the backup's
    ledger merged into the current one, the backup's keys imported except the suppressed
    identifiers' and those destroyed again, Neo4j started, and per workspace the suppressions
    and receipts re-applied and every subject the restored graph brought back erased again,
    here, before this returns."""
    source = source.resolve()
    ring = _load_keyring(settings)
    manifest = await asyncio.to_thread(verify_backup, source, ring.all)
    graph_file = manifest["neo4j"].get("file")
    database = settings.neo4j_database
    if with_graph:
        if neo4j is None:
            raise BackupError(EXTERNAL_RESTORE)
        if not graph_file:
            raise BackupError(
                "this backup holds no graph (it was taken with --without-graph): restore the"
                " graph on the Neo4j side, then run `cdp restore --without-graph`"
            )
        if graph_file != f"{database}.dump":
            raise BackupError(
                f"the backup's graph is {graph_file}, but the database is {database!r}"
                " (NEO4J_DATABASE)"
            )
    report = RestoreReport(created_at=float(manifest["created_at"]), graph_loaded=with_graph)
    home = settings.resolved_keystore_path.parent
    home.mkdir(parents=True, exist_ok=True)
    # Beside the live key store: the staged copy (keys still wrapped) gets its protection.
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=home))
    try:
        keys_file = manifest["key_store"]["file"]
        try:
            backup_keys = await asyncio.to_thread(
                _open_keys, _stage(source, keys_file, staging), ring
            )
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
            was_running = False
            if with_graph and neo4j is not None:
                # Everything is verified: from here on the live stores change.
                was_running = neo4j.is_running()
                say("stopping Neo4j: Community loads a database offline")
                await asyncio.to_thread(neo4j.stop)
                say("loading the graph (neo4j-admin database load --overwrite-destination)")
                try:
                    await asyncio.to_thread(neo4j.load, database, source)
                except LocalServiceError as exc:
                    raise BackupError(
                        f"loading {graph_file} failed, so Neo4j is left stopped and the key"
                        " store and the ledger are untouched; fix the cause and run the"
                        f" restore again (every step can be repeated): {exc}"
                    ) from exc
            merged = await asyncio.to_thread(_merge_ledger, settings, older, report)
            say("importing the backup's data keys, without the erased subjects'")
            await asyncio.to_thread(_restore_keys, settings, ring, backup_keys, merged, report)
        finally:
            await asyncio.to_thread(backup_keys.close)
        if with_graph and neo4j is not None:
            say("starting Neo4j")
            await asyncio.to_thread(neo4j.start)
        uri, _ = effective_urls(settings)
        facts = await _graph_facts(uri, settings.neo4j_auth, database)
        report.loaded_nodes_by_label = facts["nodes_by_label"]
        expected: dict[str, int] = manifest["neo4j"]["nodes_by_label"]
        report.graph_differences = {
            label: (expected.get(label, 0), facts["nodes_by_label"].get(label, 0))
            for label in sorted(set(expected) | set(facts["nodes_by_label"]))
            if expected.get(label, 0) != facts["nodes_by_label"].get(label, 0)
        }
        workspaces = sorted(
            set(manifest["workspaces"]) | set(merged.workspaces) | set(facts["workspaces"])
        )
        for ws in workspaces:
            say(f"applying erasures again in workspace {ws}")
            report.reapplied[ws] = await _reapply(settings, ws, by, report)
        if with_graph and neo4j is not None and not was_running:
            await asyncio.to_thread(neo4j.stop)
        return report
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _merge_ledger(settings: Settings, older: LedgerContent, report: RestoreReport) -> LedgerContent:
    """The backup's ledger merged into the current one; the merged content."""
    ledger = PrivacyLedger(settings.resolved_ledger_path)
    try:
        report.ledger_added = ledger.merge(older)
        return ledger.content()
    finally:
        ledger.close()


def _restore_keys(
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
        live = _open_keys(settings.resolved_keystore_path, ring)
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
