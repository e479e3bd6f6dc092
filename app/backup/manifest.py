"""A backup's manifest: its format, the files it lists with their checksums, and its HMAC
under a key derived from the KEK; and the KEKs a backup or a restore is made with."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from neo4j.exceptions import ClientError

from app.adapters.neo4j_db import Graph, create_driver
from app.errors import BackupError
from app.privacy.keystore import LocalKeyStore, load_kek
from app.settings import Settings

FORMAT = "cdp.backup/1"
MANIFEST = "manifest.json"
KEYS_FILE = "datakeys.sqlite"
LEDGER_FILE = "ledger.sqlite"
#: What each backup step copies, in the order it is taken (docs/backup.md, "Order").
ORDER = ("neo4j", "key_store", "ledger")
_MAC_LABEL = b"cdp backup manifest v1"

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


def quiet(_: str) -> None:
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


def load_keyring(settings: Settings) -> Keyring:
    """The configured KEKs; never generates one (a backup or a restore under a new KEK would
    be unreadable)."""
    kek = load_kek(
        settings.kek.get_secret_value() if settings.kek else None,
        settings.resolved_kek_file,
        allow_generate=False,
    )
    return Keyring(settings.kek_id, kek, settings.previous_keks)


def open_keys(path: Path, ring: Keyring) -> LocalKeyStore:
    return LocalKeyStore(path, ring.current, ring.current_id, cache_size=0, previous=ring.previous)


def _canonical(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def _mac(kek: bytes, body: dict[str, Any]) -> str:
    """HMAC-SHA256 of the manifest under a key derived from the KEK: whoever can restore a
    backup (they hold the KEK) can tell whether its manifest was altered."""
    key = hmac.new(kek, _MAC_LABEL, hashlib.sha256).digest()
    return hmac.new(key, _canonical(body), hashlib.sha256).hexdigest()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


async def graph_facts(uri: str, auth: tuple[str, str] | None, database: str) -> dict[str, Any]:
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


def write_manifest(target: Path, body: dict[str, Any], ring: Keyring) -> dict[str, Any]:
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
        if not hmac.compare_digest(sha256_of(file), str(entry["sha256"])):
            raise BackupError(
                f"{name} does not match its SHA-256 in {MANIFEST}: it was altered or damaged"
            )
    manifest["mac"] = mac
    return manifest
