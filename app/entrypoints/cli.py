"""The `cdp` command line: run the platform, manage local services, apply the schema."""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from app.entrypoints.cli_backup import backup, restore
from app.entrypoints.cli_common import _fail, _settings, _with_container, console
from app.entrypoints.cli_data import destinations_cli, export_cli, import_file
from app.entrypoints.cli_identity import identity_cli
from app.entrypoints.cli_privacy import apikey_cli, erasures_cli, retention_cli, subject_cli
from app.entrypoints.cli_services import services_cli
from app.entrypoints.cli_tracking import dead_cli, source_cli
from app.entrypoints.console import NOT_BUILT, console_dir
from app.errors import CdpError
from app.localservices.stack import LocalStack, effective_urls
from app.services.identity.curated import ComponentChange

if TYPE_CHECKING:
    from app.bootstrap import Container

T = TypeVar("T")

cli = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
cli.add_typer(services_cli, name="services")
cli.add_typer(source_cli, name="source")
cli.add_typer(identity_cli, name="identity")
cli.add_typer(dead_cli, name="deadletters")
cli.add_typer(erasures_cli, name="erasures")
cli.add_typer(subject_cli, name="subject")
cli.add_typer(retention_cli, name="retention")
cli.add_typer(apikey_cli, name="apikey")
cli.add_typer(export_cli, name="export")
cli.add_typer(destinations_cli, name="destinations")
cli.command("import")(import_file)
cli.command("backup")(backup)
cli.command("restore")(restore)


@cli.command()
def migrate() -> None:
    """Apply Neo4j constraints and indexes from cypher/schema (idempotent)."""
    from app.adapters.neo4j_db import Graph, create_driver

    settings = _settings()
    neo4j_uri, _ = effective_urls(settings)

    async def apply() -> int:
        driver = create_driver(neo4j_uri, settings.neo4j_auth)
        try:
            return await Graph(driver, settings.neo4j_database).apply_schema()
        finally:
            await driver.close()

    count = asyncio.run(apply())
    console.print(f"applied {count} schema statements to {neo4j_uri} (the others were in place)")


@cli.command()
def reresolve(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="only show what would merge or split")
    ] = False,
) -> None:
    """Recompute every identity cluster under the current rules (config/identity.yaml)."""
    from rich.table import Table

    from app.bootstrap import build_container

    settings = _settings()

    async def go() -> list[ComponentChange]:
        container = await build_container(settings)
        try:
            return await container.curation.reresolve(dry_run=dry_run)
        finally:
            await container.close()

    try:
        changes = asyncio.run(go())
    except CdpError as exc:
        raise _fail(exc) from exc
    table = Table(title="components that " + ("would change" if dry_run else "changed"))
    for column in ("identifiers", "merges", "splits", "identifiers moved"):
        table.add_column(column, justify="right")
    for change in changes:
        table.add_row(
            *(str(v) for v in (change.identifiers, change.merges, change.splits, change.moves))
        )
    console.print(table)
    verb = "would change" if dry_run else "changed"
    console.print(f"{len(changes)} component(s) {verb}")


@cli.command("rotate-kek")
def rotate_kek(
    step: Annotated[int, typer.Option(help="keys re-wrapped per transaction")] = 1000,
) -> None:
    """Re-wrap every data key under CDP_KEK (set CDP_KEK_PREVIOUS to the old one meanwhile)."""
    from rich.progress import Progress

    from app.services.identity.keys import rotate_kek as rotate_kek_steps

    async def work(container: Container) -> None:
        with Progress(console=console) as progress:
            task = progress.add_task("re-wrapping data keys", total=None)

            async def report(done: int, remaining: int) -> None:
                progress.update(task, completed=done, total=done + remaining)

            total = await rotate_kek_steps(
                container.keystore, step, report, audit=container.audit, by="cli"
            )
        kek = container.settings.kek_id
        console.print(f"re-wrapped {total} data key(s); all are under KEK {kek}")

    _with_container(work)


@cli.command("rotate-blind-index")
def rotate_blind_index(
    step: Annotated[int, typer.Option(help="identifiers re-keyed per transaction")] = 100,
    retry_set_aside: Annotated[
        bool, typer.Option(help="try again identifiers an earlier run set aside")
    ] = False,
) -> None:
    """Re-key every identifier under the first kid of CDP_HMAC_KEYS (list the old ones after
    it); safe beside live traffic, and resumable."""
    from rich.progress import Progress

    from app.services.identity.rekeying import RekeyProgress

    async def work(container: Container) -> None:
        rotation = container.rekeying
        with Progress(console=console) as progress:
            task = progress.add_task(f"re-keying identifiers to {rotation.current}", total=None)

            async def report(p: RekeyProgress) -> None:
                progress.update(task, completed=p.renamed, total=p.renamed + p.remaining)

            result = await rotation.run(
                step=step, report=report, retry_set_aside=retry_set_aside, by="cli"
            )
        console.print(
            f"re-keyed {result.renamed} identifier(s), {result.events} event(s),"
            f" {result.observations} observation(s); destroyed {result.old_keys_destroyed}"
            f" old data key(s)"
        )
        if result.settled:
            console.print(f"every identifier is keyed under {rotation.current}")
        else:
            console.print(
                f"{result.remaining} identifier(s) remain under an old kid, {result.set_aside}"
                " of them set aside (a value that cannot be opened; see the log) and the rest"
                " held by unfinished erasures; run again later"
            )
            raise typer.Exit(1)

    _with_container(work)


@cli.command("refresh-traits")
def refresh_traits() -> None:
    """Re-decide every profile's golden record (after editing the trait schema)."""

    async def work(container: Container) -> None:
        count = await container.profiles.refresh_golden_records()
        console.print(f"golden records recomputed for {count} profile(s)")

    _with_container(work)


@cli.command()
def resolver(
    name: Annotated[str | None, typer.Option(help="consumer name (stable across restarts)")] = None,
) -> None:
    """Run a stream-fed resolver in the foreground (the worker also runs one by default)."""
    from app.batch_tuning import tune_for_batches
    from app.logs import configure_logging
    from app.supervision import keep_running, once_up
    from workers.settings import STARTUP_WAIT

    settings = _settings()
    configure_logging(settings.log_level, settings.log_json)

    async def work(container: Container) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await once_up("resolver start-up", container.prepare_graph, STARTUP_WAIT)
        tune_for_batches()
        # Neo4j or Valkey restarting makes it wait, not exit; anything else starts it again.
        await keep_running("resolver", lambda stop: container.resolver(name).run(stop), stop)

    _with_container(work)


@cli.command()
def api(
    host: Annotated[str | None, typer.Option(help="bind address")] = None,
    port: Annotated[int | None, typer.Option(help="port")] = None,
    workers: Annotated[int, typer.Option(help="API processes sharing the port")] = 1,
) -> None:
    """Serve the HTTP and GraphQL API in the foreground."""
    import uvicorn

    settings = _settings()
    uvicorn.run(
        "app.entrypoints.api:create_app",
        factory=True,
        host=host or settings.api_host,
        port=port or settings.api_port,
        log_config=None,
        proxy_headers=False,
        workers=workers,
        ws_max_size=settings.graphql_body_limit_bytes,
    )


@cli.command()
def worker(
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="only say whether a worker recorded its health lately (exit 0) or not (1)",
        ),
    ] = False,
) -> None:
    """Run one arq worker in the foreground (journeys, erasure, scheduled jobs)."""
    from app.batch_tuning import tune_for_batches
    from workers.settings import worker_options
    from workers.supervised import SupervisedWorker

    options = worker_options(_settings())
    if check:  # the compose health check
        from dataclasses import replace

        from arq.worker import async_check_health

        valkey = replace(options["redis_settings"], conn_retries=0)
        code = asyncio.run(async_check_health(valkey, queue_name=options["queue_name"]))
        raise typer.Exit(code)
    start = options["on_startup"]

    async def on_startup(ctx: dict[str, Any]) -> None:
        await start(ctx)
        tune_for_batches()  # the worker runs a resolver by default; its container is built

    SupervisedWorker(**{**options, "on_startup": on_startup}).run()


@cli.command()
def run() -> None:
    """Start Neo4j, Valkey, the API and a worker; Ctrl-C stops all of them.

    The API and the worker are supervised: one that exits is started again (see
    app/entrypoints/supervisor.py)."""
    from app.entrypoints.supervisor import ChildSpec, Supervisor

    settings = _settings()
    stack = LocalStack.from_settings(settings)
    before = stack.status()
    started = time.monotonic()
    try:
        stack.up()
    except CdpError as exc:
        raise _fail(exc) from exc
    console.print(f"services ready in {time.monotonic() - started:.1f}s")
    me = [sys.executable, "-m", "app.entrypoints.cli"]
    supervisor = Supervisor(
        [ChildSpec("api", [*me, "api"]), ChildSpec("worker", [*me, "worker"])],
        say=lambda text: console.print(text, markup=False, highlight=False),
    )

    def stop(signum: int, _frame: object) -> None:
        supervisor.request_stop()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    base = f"http://{settings.api_host}:{settings.api_port}"
    console.print(f"API:           {base}  (health {base}/readyz)")
    console.print(f"GraphQL:       {base}/graphql")
    if (console_dir(settings) / "index.html").is_file():
        console.print(f"Console:       {base}/console/  (sign in with an API key)")
    else:
        console.print(f"Console:       not built ({NOT_BUILT})")
    if stack.neo4j is not None:
        neo4j = stack.neo4j
        console.print(f"Neo4j Browser: {neo4j.browser_url}  (bolt {neo4j.bolt_uri}, no auth)")
    console.print("Ctrl-C stops everything.")
    code = 1
    try:
        code = supervisor.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if before.get("neo4j", "").startswith("stopped") and stack.neo4j:
            stack.neo4j.stop()
        if before.get("valkey", "").startswith("stopped") and stack.valkey:
            stack.valkey.stop()
        console.print("stopped")
    if code:
        raise typer.Exit(code)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
