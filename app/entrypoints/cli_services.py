"""`cdp services`: the local Neo4j and Valkey the platform runs on in development."""

from __future__ import annotations

import time

import typer

from app.entrypoints.cli_common import _fail, _settings, console
from app.errors import CdpError
from app.localservices.stack import LocalStack

services_cli = typer.Typer(no_args_is_help=True, help="Local Neo4j and Valkey (no Docker).")


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
