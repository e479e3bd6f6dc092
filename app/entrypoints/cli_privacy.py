"""`cdp erasures`, `cdp subject`, `cdp retention` and `cdp apikey`: access and privacy.

Output names ids and counts only; the one exception is `cdp subject export`, whose purpose is
to hand a person their data (written to a file, mode 0600).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import orjson
import typer

from app.entrypoints.cli_common import _with_container, console

if TYPE_CHECKING:
    from app.bootstrap import Container
    from app.services.privacy.erasure import ErasureStatus

erasures_cli = typer.Typer(no_args_is_help=True, help="Erasure of data subjects (no PII shown).")
subject_cli = typer.Typer(no_args_is_help=True, help="Subject access: export what is held.")
retention_cli = typer.Typer(no_args_is_help=True, help="Event retention per source.")
#: Who the audit log records for actions taken from the command line.
ACTOR = "cli"

IdentifierType = Annotated[str, typer.Option("--type", help="user_id, email, phone, ...")]
IdentifierValue = Annotated[str, typer.Option("--value", help="the identifier's value")]


def _print_status(status: ErasureStatus) -> None:
    counts = ", ".join(f"{k}={v}" for k, v in sorted(status.counts.items()))
    print(f"{status.id}\t{status.status}\t{counts}")


@erasures_cli.command("preview")
def erasures_preview(type: IdentifierType, value: IdentifierValue) -> None:
    """What erasing this identifier's subject would delete and what it would only unlink."""

    async def work(container: Container) -> None:
        preview = await container.erasure.preview(type, value)
        print(json.dumps(preview.__dict__, indent=2, sort_keys=True))

    _with_container(work)


@erasures_cli.command("request")
def erasures_request(
    type: IdentifierType,
    value: IdentifierValue,
    reason: Annotated[str, typer.Option(help="why (no personal data)")] = "",
    wait: Annotated[bool, typer.Option(help="run it here instead of in a worker")] = False,
) -> None:
    """Request an erasure; a worker carries it out (or this process with --wait)."""

    async def work(container: Container) -> None:
        async def hand_over(request_id: str) -> None:
            if not wait:
                await container.enqueue_erasure(request_id)

        status = await container.erasure.request(type, value, ACTOR, reason, hand_over)
        if wait:
            status = await container.erasure.run(status.id)
        _print_status(status)

    _with_container(work)


@erasures_cli.command("status")
def erasures_status(request_id: str) -> None:
    """An erasure's status and counts (its receipt once completed)."""

    async def work(container: Container) -> None:
        status = await container.erasure.status(request_id)
        if status is None:
            console.print("no erasure request with that id")
            raise typer.Exit(1)
        _print_status(status)

    _with_container(work)


@erasures_cli.command("list")
def erasures_list(limit: int = 50) -> None:
    """The newest erasure requests and receipts."""

    async def work(container: Container) -> None:
        for status in await container.erasure.recent(limit):
            _print_status(status)

    _with_container(work)


@erasures_cli.command("resume")
def erasures_resume() -> None:
    """Retry failed erasures and hand every unfinished one to a worker again."""

    async def work(container: Container) -> None:
        retried = await container.erasure.retry_failed()
        waiting = await container.erasure.open_requests()
        for request_id, lease_left in waiting:
            await container.enqueue_erasure(request_id, defer_seconds=lease_left)
        console.print(f"{len(retried)} failed erasure(s) retried, {len(waiting)} handed out")

    _with_container(work)


@erasures_cli.command("reapply")
def erasures_reapply() -> None:
    """After restoring a Neo4j backup: re-apply suppressions and receipts from the ledger and
    erase again whatever the backup brought back."""

    async def work(container: Container) -> None:
        report = await container.erasure.reapply(ACTOR, container.enqueue_erasure)
        console.print(", ".join(f"{k}: {v}" for k, v in report.items()))

    _with_container(work)


@erasures_cli.command("unsuppress")
def erasures_unsuppress(type: IdentifierType, value: IdentifierValue) -> None:
    """Let an erased identifier in again (the person came back and consented)."""

    async def work(container: Container) -> None:
        lifted = await container.erasure.unsuppress(type, value, ACTOR)
        console.print("suppression lifted" if lifted else "that identifier was not suppressed")

    _with_container(work)


@subject_cli.command("export")
def subject_export(
    type: IdentifierType,
    value: IdentifierValue,
    out: Annotated[Path, typer.Option("--out", help="file to write (JSON, mode 0600)")],
) -> None:
    """Everything held on the subject of an identifier, decrypted, as one JSON file."""

    async def work(container: Container) -> None:
        document = await container.exporter.export(type, value, ACTOR)
        data = orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        console.print(
            f"wrote {out}: {len(document['identifiers'])} identifiers, "
            f"{len(document['events'])} events"
        )

    _with_container(work)


@retention_cli.command("set")
def retention_set(
    source_id: str,
    days: Annotated[int | None, typer.Option(help="days to keep; omit for the default")] = None,
) -> None:
    """Set a source's event retention (omit --days to fall back to the workspace default)."""

    async def work(container: Container) -> None:
        await container.retention.set_source_retention(source_id, days, by=ACTOR)

    _with_container(work)


@retention_cli.command("run")
def retention_run() -> None:
    """Delete events past their retention now (the worker does it daily)."""

    async def work(container: Container) -> None:
        deleted = await container.retention.run(by=ACTOR)
        for source, count in sorted(deleted.items()):
            print(f"{source}\t{count}")

    _with_container(work)


apikey_cli = typer.Typer(no_args_is_help=True, help="API keys for GraphQL, with roles.")


@apikey_cli.command("create")
def apikey_create(
    role: Annotated[str, typer.Option(help="viewer, analyst, marketer, privacy_officer, admin")],
    name: Annotated[str, typer.Option(help="who or what uses it")] = "api-key",
    expires: Annotated[float | None, typer.Option(help="days until it expires")] = None,
) -> None:
    """Create an API key and print it (shown only once; stored as a digest)."""

    async def work(container: Container) -> None:
        created = await container.apikeys.create(name, role, expires, by=ACTOR)
        key = created.key
        until = f", expires at {key.expires_at:.0f}" if key.expires_at else ""
        console.print(f"API key {key.name} ({key.id}), role {key.role.value}{until}")
        print(created.secret)

    _with_container(work)


@apikey_cli.command("list")
def apikey_list() -> None:
    """The workspace's API keys (never the keys themselves)."""

    async def work(container: Container) -> None:
        for key in await container.apikeys.list():
            state = "revoked" if key.revoked else "active"
            print(f"{key.id}\t{key.name}\t{key.role.value}\t{state}\t{key.expires_at or '-'}")

    _with_container(work)


@apikey_cli.command("revoke")
def apikey_revoke(key_id: str) -> None:
    """Revoke an API key (it stops working within 30 seconds)."""

    async def work(container: Container) -> None:
        await container.apikeys.revoke(key_id, by=ACTOR)
        console.print("revoked")

    _with_container(work)
