"""`cdp source` and `cdp deadletters`: who may send events, and the messages the resolver
gave up on (ids, types and error names only, never a payload's values)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from app.entrypoints.cli_common import _with_container, console

if TYPE_CHECKING:
    from app.bootstrap import Container

source_cli = typer.Typer(no_args_is_help=True, help="Tracking sources and their write keys.")
dead_cli = typer.Typer(no_args_is_help=True, help="Messages the resolver gave up on.")


@source_cli.command("create")
def source_create(
    name: str,
    trust: Annotated[float, typer.Option(help="trust weight for survivorship, 0..1")] = 0.5,
) -> None:
    """Create a source and print its write key (shown only once)."""

    async def work(container: Container) -> None:
        created = await container.sources.create(name, trust)
        console.print(f"source {created.source.name} ({created.source.id}), trust {trust}")
        print(created.write_key)

    _with_container(work)


@source_cli.command("list")
def source_list() -> None:
    """List the workspace's sources (write keys are never shown again)."""

    async def work(container: Container) -> None:
        for source in await container.sources.list():
            print(f"{source.id}\t{source.name}\ttrust={source.trust}")

    _with_container(work)


@source_cli.command("set-trust")
def source_set_trust(
    source_id: str,
    trust: Annotated[float, typer.Argument(help="trust weight for survivorship, 0 < trust <= 1")],
) -> None:
    """Give a source a new trust; a worker then re-decides the golden records it weighs in."""

    async def work(container: Container) -> None:
        source, run = await container.redecisions.set_source_trust(source_id, trust, "cli")
        console.print(
            f"source {source.name} ({source.id}) now has trust {source.trust}; run {run.id}"
            " re-decides its golden records once every process has read it (about 30 s):"
            " follow it with `cdp source redecisions`"
        )

    _with_container(work)


@source_cli.command("redecisions")
def source_redecisions(
    limit: Annotated[int, typer.Option(help="how many runs, newest first")] = 10,
) -> None:
    """Runs re-deciding golden records after a trust or trait schema change, and how far
    each got."""

    async def work(container: Container) -> None:
        for run in await container.redecisions.latest(limit):
            print(
                f"{run.id}\t{run.reason}\t{run.source or '-'}\t{run.status}"
                f"\tchecked={run.checked}/{run.total}\tredecided={run.redecided}"
                f"\tchanged={run.changed}"
            )

    _with_container(work)


@dead_cli.command("list")
def deadletters_list(limit: int = 100) -> None:
    """Show dead letters: ids, message type and the error's name (no payload values)."""

    async def work(container: Container) -> None:
        letters = await container.deadletters.list(limit)
        for letter in letters:
            print(
                f"{letter.id}\t{letter.source}\t{letter.type}\t{letter.message_id}\t{letter.reason}"
            )
        console.print(f"{len(letters)} dead letter(s)")

    _with_container(work)


@dead_cli.command("replay")
def deadletters_replay(limit: int = 100) -> None:
    """Ingest dead letters again; the ones that now succeed leave the list."""

    async def work(container: Container) -> None:
        replayed, failing = await container.deadletters.replay(limit)
        console.print(f"replayed {replayed}, still failing {failing}")

    _with_container(work)
