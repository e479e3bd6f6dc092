"""`cdp import` and `cdp export`: bulk data in and out, streamed."""

from __future__ import annotations

import contextlib
import functools
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
import yaml
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from app.entrypoints.cli_common import _with_container, console
from app.errors import InvalidInput

if TYPE_CHECKING:
    from app.bootstrap import Container
    from app.services.integrations.importing import RowReader

export_cli = typer.Typer(no_args_is_help=True, help="Export profiles as NDJSON or CSV.")
#: Who the audit log records for an export whose API key is not given.
ACTOR = "cli"


def _row_reader(format: str, map: Path | None) -> RowReader:
    """How the file's rows are read: Segment messages, or CSV through a column map."""
    from app.services.integrations.importing import ColumnMap, csv_rows, ndjson_rows

    if format not in ("ndjson", "csv"):
        raise typer.BadParameter("ndjson or csv", param_hint="--format")
    if format == "ndjson":
        return ndjson_rows
    if map is None:
        raise typer.BadParameter("a CSV import needs --map", param_hint="--map")
    try:
        columns = ColumnMap.from_mapping(yaml.safe_load(map.read_text(encoding="utf-8")))
    except InvalidInput as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from exc
    return functools.partial(csv_rows, columns=columns)


def _progress_columns() -> list[ProgressColumn]:
    return [
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TextColumn("{task.fields[rate]:>8} rows/s"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    ]


def import_file(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    source: Annotated[str, typer.Option(help="the name (or id) of the source to import as")],
    format: Annotated[
        str, typer.Option(help="ndjson (Segment messages) or csv (profiles)")
    ] = "ndjson",
    map: Annotated[
        Path | None, typer.Option(help="CSV column map (YAML): identifiers, traits")
    ] = None,
    rejects: Annotated[
        Path | None, typer.Option(help="where bad rows go (default FILE.rejects.ndjson)")
    ] = None,
) -> None:
    """Import a file through the tracking pipeline; resumes where an interrupted run stopped
    and adds nothing twice when run again."""
    from app.services.integrations.importing import Importer

    rows = _row_reader(format, map)
    rejects_path = rejects or file.with_name(file.name + ".rejects.ndjson")

    async def work(container: Container) -> None:
        found = [s for s in await container.sources.list() if source in (s.name, s.id)]
        if len(found) != 1:
            names = ", ".join(s.name for s in await container.sources.list())
            console.print(f"[red]error:[/red] no single source named {source!r} ({names})")
            raise typer.Exit(1)
        importer = Importer(container.acceptance, container.settings.timestamp_horizon_days)
        with (
            Progress(*_progress_columns(), console=console) as bar,
            rejects_path.open("w", encoding="utf-8") as bad,
        ):
            task = bar.add_task(file.name, total=file.stat().st_size, rate="-")

            def progress(done: int, summary: object) -> None:
                elapsed = bar.tasks[0].elapsed or 0.0
                read = getattr(summary, "read", 0)
                rate = f"{read / elapsed:,.0f}" if elapsed > 0 else "-"
                bar.update(task, completed=done, rate=rate)

            summary = await importer.run(file, found[0], rows, bad, progress)
            bar.update(task, completed=file.stat().st_size)
        if summary.rejected == 0:
            with contextlib.suppress(FileNotFoundError):
                rejects_path.unlink()
        resumed = f", resumed after line {summary.resumed_after}" if summary.resumed_after else ""
        console.print(
            f"read {summary.read:,} rows{resumed}: accepted {summary.accepted:,}, "
            f"already there {summary.duplicates:,}, rejected {summary.rejected:,}"
            + (f" (reasons in {rejects_path})" if summary.rejected else "")
            + f"; {summary.seconds:.1f} s"
        )

    _with_container(work)


def _export(segment: str | None, format: str, out: Path | None, api_key: str | None) -> None:
    if format not in ("ndjson", "csv"):
        raise typer.BadParameter("ndjson or csv", param_hint="--format")

    async def work(container: Container) -> None:
        principal = await container.apikeys.authenticate(api_key) if api_key else None
        if api_key and principal is None:
            console.print("[red]error:[/red] unknown, revoked or expired API key")
            raise typer.Exit(1)
        from app.domain.access import Capability

        reveal = principal is not None and principal.can(Capability.READ_PII)
        if segment is not None:
            await container.segments.get(segment)
        target = out.open("w", encoding="utf-8", newline="") if out else sys.stdout
        try:
            count = await container.profile_exporter().export(
                target,
                format,
                reveal=reveal,
                by=principal.actor if principal is not None else ACTOR,
                segment=segment,
            )
        finally:
            if out:
                target.close()
        shown = "decrypted" if reveal else "masked"
        console.print(f"exported {count:,} profiles, personal values {shown}")

    _with_container(work)


ApiKey = Annotated[
    str | None,
    typer.Option(
        envvar="CDP_API_KEY", help="an API key; personal values only if its role may read them"
    ),
]


@export_cli.command("profiles")
def export_profiles(
    format: Annotated[str, typer.Option(help="ndjson or csv")] = "ndjson",
    out: Annotated[Path | None, typer.Option(help="file (default: standard output)")] = None,
    api_key: ApiKey = None,
) -> None:
    """Every active profile with its identifiers and traits."""
    _export(None, format, out, api_key)


@export_cli.command("segment")
def export_segment(
    name: str,
    format: Annotated[str, typer.Option(help="ndjson or csv")] = "ndjson",
    out: Annotated[Path | None, typer.Option(help="file (default: standard output)")] = None,
    api_key: ApiKey = None,
) -> None:
    """The members of a segment with their identifiers and traits."""
    _export(name, format, out, api_key)


destinations_cli = typer.Typer(no_args_is_help=True, help="Outbound destinations.")


@destinations_cli.command("list")
def destinations_list() -> None:
    """Destinations with their state and delivery counts (configurations are not shown)."""

    async def work(container: Container) -> None:
        for d in await container.destinations.all():
            stats = await container.destinations.stats(d.name)
            counts = ", ".join(f"{k}={v}" for k, v in sorted(stats.items()))
            state = "active" if d.active else "stopped"
            print(f"{d.name}\t{d.kind}\t{state}\t{counts}")
        broken = container.destinations.plugins.broken
        for name, error in sorted(broken.items()):
            console.print(f"[red]plugin {name} not loaded:[/red] {error}")

    _with_container(work)


@destinations_cli.command("replay")
def destinations_replay(name: str) -> None:
    """Send a destination's dead letters again."""

    async def work(container: Container) -> None:
        console.print(f"{await container.destinations.replay(name)} item(s) queued again")

    _with_container(work)
