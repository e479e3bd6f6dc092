"""`cdp backup`: the graph (an offline dump, Neo4j stopped), then the key store, then the
privacy ledger, then the manifest, into a new folder (docs/backup.md, "Order")."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.backup.manifest import (
    EXTERNAL_BACKUP,
    FORMAT,
    KEYS_FILE,
    LEDGER_FILE,
    ORDER,
    Keyring,
    graph_facts,
    load_keyring,
    open_keys,
    quiet,
    sha256_of,
    write_manifest,
)
from app.errors import BackupError
from app.localservices.neo4j_server import LocalNeo4j
from app.localservices.stack import effective_urls
from app.privacy.errors import KeyMaterialError
from app.privacy.keystore import LocalKeyStore, summarize
from app.privacy.ledger import PrivacyLedger, ledger_counts
from app.privacy.stream_seal import OWNER_PREFIX
from app.settings import Settings


async def take_backup(
    settings: Settings,
    target: Path,
    neo4j: LocalNeo4j | None,
    *,
    with_graph: bool = True,
    say: Callable[[str], None] = quiet,
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
    ring = load_keyring(settings)
    try:
        keys = await asyncio.to_thread(open_keys, settings.resolved_keystore_path, ring)
    except KeyMaterialError as exc:
        raise BackupError(f"the key store does not open with the configured KEK: {exc}") from exc
    ring = Keyring(keys.kek_id, ring.current, ring.previous)
    ledger = await asyncio.to_thread(PrivacyLedger, settings.resolved_ledger_path)
    created_target = not target.exists()
    target.mkdir(parents=True, exist_ok=True, mode=0o700)
    started = clock()
    try:
        database = settings.neo4j_database
        if neo4j is not None and with_graph:
            facts, graph_file = await _dump_offline(neo4j, database, target, keys, ledger, say)
            method = "neo4j-admin database dump (offline)"
        else:
            uri, _ = effective_urls(settings)
            facts = await graph_facts(uri, settings.neo4j_auth, database)
            await _copy_stores(keys, ledger, target, say)
            graph_file, method = None, "external: backed up on the Neo4j side before this backup"
        body = await _manifest_body(target, started, database, facts, graph_file, method)
        return write_manifest(target, body, ring)
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


async def _copy_stores(
    keys: LocalKeyStore, ledger: PrivacyLedger, target: Path, say: Callable[[str], None]
) -> None:
    """Keys, then ledger: after the graph (docs/backup.md, "Order")."""
    say("copying the key store")
    await asyncio.to_thread(keys.copy_to, target / KEYS_FILE)
    say("copying the ledger")
    await asyncio.to_thread(ledger.copy_to, target / LEDGER_FILE)


async def _dump_offline(
    neo4j: LocalNeo4j,
    database: str,
    target: Path,
    keys: LocalKeyStore,
    ledger: PrivacyLedger,
    say: Callable[[str], None],
) -> tuple[dict[str, Any], str]:
    """The graph's facts and its dump's file name; the stores copied while Neo4j is down."""
    was_running = neo4j.is_running()
    if not was_running:
        say("starting Neo4j to read its counts")
        await asyncio.to_thread(neo4j.start)
    facts = await graph_facts(neo4j.bolt_uri, None, database)
    say("stopping Neo4j: Community dumps a database offline")
    await asyncio.to_thread(neo4j.stop)
    try:
        say("dumping the graph (neo4j-admin database dump)")
        dump = await asyncio.to_thread(neo4j.dump, database, target)
        dump.chmod(0o600)
        await _copy_stores(keys, ledger, target, say)
    finally:
        if was_running:
            say("starting Neo4j again")
            await asyncio.to_thread(neo4j.start)
    return facts, dump.name


async def _manifest_body(
    target: Path,
    started: float,
    database: str,
    facts: dict[str, Any],
    graph_file: str | None,
    method: str,
) -> dict[str, Any]:
    summary = summarize(target / KEYS_FILE, OWNER_PREFIX)
    ledger_summary = ledger_counts(target / LEDGER_FILE)
    names = [n for n in (graph_file, KEYS_FILE, LEDGER_FILE) if n is not None]
    files = {
        name: {
            "sha256": await asyncio.to_thread(sha256_of, target / name),
            "bytes": (target / name).stat().st_size,
        }
        for name in names
    }
    return {
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
