"""Platform processes a test starts for real (`python -m app.entrypoints.cli ...`), and ports."""

from __future__ import annotations

import asyncio
import signal
import socket
import sys
from asyncio.subprocess import PIPE
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import uvicorn

from app.entrypoints.api import create_app
from app.settings import Settings
from tests.services import REPO

CLI = [sys.executable, "-m", "app.entrypoints.cli"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def start_cli(
    args: list[str], env: dict[str, str], log: Path, append: bool = False
) -> asyncio.subprocess.Process:
    """`cdp ARGS` with its output (stdout and stderr) in `log`."""
    with log.open("ab" if append else "wb") as out:  # the child keeps its own descriptor
        return await asyncio.create_subprocess_exec(
            *CLI, *args, env=env, cwd=str(REPO), stdout=out, stderr=asyncio.subprocess.STDOUT
        )


async def run_cli(args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    """`cdp ARGS` run to its end: exit code, standard output, standard error."""
    process = await asyncio.create_subprocess_exec(
        *CLI, *args, env=env, cwd=str(REPO), stdout=PIPE, stderr=PIPE
    )
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def stop(process: asyncio.subprocess.Process, timeout: float = 30.0) -> int:
    """SIGTERM, then SIGKILL after `timeout`; the exit code."""
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), timeout)
        except TimeoutError:
            process.kill()
            await process.wait()
    assert process.returncode is not None
    return process.returncode


@asynccontextmanager
async def served(settings: Settings) -> AsyncIterator[str]:
    """The real app for these settings, served by uvicorn over loopback: its base URL."""
    port = free_port()
    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=port, log_config=None, lifespan="on"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(1200):  # its lifespan applies the schema: slow on a busy machine
        if server.started:
            break
        if task.done():
            task.result()
            raise RuntimeError("uvicorn stopped while starting")
        await asyncio.sleep(0.05)
    else:
        raise RuntimeError("uvicorn did not start")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
