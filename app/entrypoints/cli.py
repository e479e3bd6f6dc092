"""The `cdp` command line: run the platform, manage local services, apply the schema."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from typing import Annotated

import typer
from rich.console import Console

from app.errors import CdpError
from app.localservices.stack import LocalStack, effective_urls
from app.services.curation import ComponentChange
from app.settings import Settings, load_settings

cli = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
services_cli = typer.Typer(no_args_is_help=True, help="Local Neo4j and Valkey (no Docker).")
cli.add_typer(services_cli, name="services")
console = Console(stderr=True)


def _settings() -> Settings:
    try:
        return load_settings()
    except CdpError as exc:
        console.print(f"[red]configuration error:[/red] {exc}")
        raise typer.Exit(3) from exc


def _fail(exc: CdpError) -> typer.Exit:
    console.print(f"[red]error:[/red] {exc}")
    return typer.Exit(1)


@services_cli.command("up")
def services_up() -> None:
    """Start local Neo4j and Valkey in the background (first run downloads Neo4j)."""
    settings = _settings()
    stack = LocalStack.from_settings(settings)
    started = time.monotonic()
    try:
        stack.up()
    except CdpError as exc:
        raise _fail(exc) from exc
    for name, state in stack.status().items():
        console.print(f"{name}: {state}")
    console.print(f"ready in {time.monotonic() - started:.1f}s")


@services_cli.command("fetch")
def services_fetch() -> None:
    """Download Neo4j and Neo4j Browser from Maven Central into the cache (once)."""
    settings = _settings()
    stack = LocalStack.from_settings(settings)
    if stack.neo4j is None:
        console.print("NEO4J_URI is set: nothing to fetch")
        return
    started = time.monotonic()
    try:
        lib = stack.neo4j.distribution.ensure()
    except CdpError as exc:
        raise _fail(exc) from exc
    console.print(f"Neo4j ready in {lib} ({time.monotonic() - started:.1f}s)")


@services_cli.command("down")
def services_down() -> None:
    """Stop local Neo4j and Valkey cleanly."""
    LocalStack.from_settings(_settings()).down()
    console.print("stopped")


@services_cli.command("status")
def services_status() -> None:
    """Say whether local Neo4j and Valkey are running."""
    for name, state in LocalStack.from_settings(_settings()).status().items():
        console.print(f"{name}: {state}")


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
    console.print(f"applied {count} schema statements to {neo4j_uri}")


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


@cli.command()
def api(
    host: Annotated[str | None, typer.Option(help="bind address")] = None,
    port: Annotated[int | None, typer.Option(help="port")] = None,
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
    )


@cli.command()
def worker() -> None:
    """Run one arq worker in the foreground (journeys, erasure, scheduled jobs)."""
    from arq.worker import Worker

    from workers.settings import worker_options

    Worker(**worker_options(_settings())).run()


@cli.command()
def run() -> None:
    """Start Neo4j, Valkey, the API and a worker; Ctrl-C stops all of them."""
    settings = _settings()
    stack = LocalStack.from_settings(settings)
    before = stack.status()
    started = time.monotonic()
    try:
        stack.up()
    except CdpError as exc:
        raise _fail(exc) from exc
    console.print(f"services ready in {time.monotonic() - started:.1f}s")
    children = [
        subprocess.Popen([sys.executable, "-m", "app.entrypoints.cli", "api"]),
        subprocess.Popen([sys.executable, "-m", "app.entrypoints.cli", "worker"]),
    ]
    base = f"http://{settings.api_host}:{settings.api_port}"
    console.print(f"API:           {base}  (health {base}/readyz)")
    console.print(f"GraphQL:       {base}/graphql")
    if stack.neo4j is not None:
        neo4j = stack.neo4j
        console.print(f"Neo4j Browser: {neo4j.browser_url}  (bolt {neo4j.bolt_uri}, no auth)")
    console.print("Ctrl-C stops everything.")
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        console.print("[red]a child process exited; stopping[/red]")
    except KeyboardInterrupt:
        console.print("stopping...")
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGINT)
        for child in children:
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()
        if before.get("neo4j", "").startswith("stopped") and stack.neo4j:
            stack.neo4j.stop()
        if before.get("valkey", "").startswith("stopped") and stack.valkey:
            stack.valkey.stop()
        console.print("stopped")


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
