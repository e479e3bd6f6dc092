"""`cdp backup` and `cdp restore` (docs/backup.md). Output names files, ids and counts only."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from app.entrypoints.cli_common import _fail, _settings, console
from app.errors import CdpError
from app.localservices.stack import LocalStack

#: Who the audit log records for actions taken from the command line.
ACTOR = "cli"

WithoutGraph = Annotated[
    bool,
    typer.Option(
        "--without-graph",
        help="key store and ledger only: the graph is backed up or restored on the Neo4j side"
        " (an external NEO4J_URI; docs/backup.md)",
    ),
]


def _say(text: str) -> None:
    console.print(text, markup=False, highlight=False)


def backup(
    folder: Annotated[Path, typer.Argument(help="a new or empty folder for the backup")],
    without_graph: WithoutGraph = False,
) -> None:
    """Back up the graph (an offline dump: the local Neo4j is stopped meanwhile), the key store
    and the privacy ledger, in that order, with a signed manifest. The KEK is not in it: keep
    the KEK elsewhere."""
    from app.backup import take_backup

    settings = _settings()
    neo4j = LocalStack.from_settings(settings).neo4j
    try:
        manifest = asyncio.run(
            take_backup(settings, folder, neo4j, with_graph=not without_graph, say=_say)
        )
    except CdpError as exc:
        raise _fail(exc) from exc
    graph = manifest["neo4j"]
    keys = manifest["key_store"]
    nodes = sum(graph["nodes_by_label"].values())
    console.print(
        f"backup in {folder.resolve()}: Neo4j {graph['version']} ({graph['method']}),"
        f" {nodes} node(s); {keys['keys']} data key(s) wrapped under KEK {keys['kek_id']};"
        f" ledger {manifest['ledger']['suppressions']} suppressions,"
        f" {manifest['ledger']['receipts']} receipts"
    )


def restore(
    folder: Annotated[Path, typer.Argument(help="a folder written by `cdp backup`")],
    without_graph: WithoutGraph = False,
    yes: Annotated[bool, typer.Option("--yes", help="do not ask for confirmation")] = False,
) -> None:
    """Restore a backup: verify it, load the graph (the local Neo4j is stopped meanwhile),
    merge the ledger and the keys into the current ones, and erase again whoever was erased
    after the backup was taken. Stop the API and the workers first."""
    from app.backup import restore_backup

    settings = _settings()
    neo4j = LocalStack.from_settings(settings).neo4j
    if not yes and not without_graph:
        typer.confirm(
            "The graph will be replaced by the backup's: what was written since it was taken"
            " is lost (erasures are kept and applied again). Continue?",
            abort=True,
        )
    try:
        report = asyncio.run(
            restore_backup(
                settings, folder, neo4j, by=ACTOR, with_graph=not without_graph, say=_say
            )
        )
    except CdpError as exc:
        raise _fail(exc) from exc
    taken = datetime.fromtimestamp(report.created_at, UTC).isoformat(timespec="seconds")
    console.print(f"restored the backup taken at {taken}")
    if report.graph_differences:
        console.print(
            "nodes per label differ from the manifest (label: manifest, loaded): "
            + json.dumps(report.graph_differences, sort_keys=True)
        )
    added = ", ".join(f"{k} {v}" for k, v in sorted(report.ledger_added.items()))
    console.print(f"ledger: added from the backup: {added}")
    console.print(
        f"data keys: {report.keys_imported} imported, {report.keys_destroyed} destroyed again"
    )
    for ws, counts in sorted(report.reapplied.items()):
        console.print(f"workspace {ws}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    if report.left_to_worker:
        console.print(
            f"{len(report.left_to_worker)} erasure(s) held by a running worker were left to it"
        )
    if report.failed_erasures:
        console.print(
            f"{len(report.failed_erasures)} erasure(s) failed (see the log): run"
            " `cdp erasures resume` with a worker running, or the restore again"
        )
        raise typer.Exit(1)
