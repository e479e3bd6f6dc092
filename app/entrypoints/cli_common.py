"""What every `cdp` command shares: settings, errors, a console and a short-lived container."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

import typer
from rich.console import Console

from app.errors import CdpError
from app.settings import Settings, load_settings

if TYPE_CHECKING:
    from app.bootstrap import Container

T = TypeVar("T")
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


def _with_container(work: Callable[[Container], Awaitable[T]]) -> T:
    """Run one coroutine against a freshly built container, then close it."""
    from app.bootstrap import build_container

    settings = _settings()

    async def go() -> T:
        container = await build_container(settings)
        try:
            return await work(container)
        finally:
            await container.close()

    try:
        return asyncio.run(go())
    except CdpError as exc:
        raise _fail(exc) from exc
