"""Environment for a platform process started by a test (same services, same key store)."""

from __future__ import annotations

import asyncio
import sys

from app.localservices.child_env import child_env
from app.settings import Settings
from tests.services import REPO


def process_env(settings: Settings, **extra: str) -> dict[str, str]:
    return child_env(settings, **{"CDP_LOG_LEVEL": "WARNING", **extra})


async def run_cdp(settings: Settings, *args: str) -> tuple[str, str]:
    """`cdp ARGS...` as a process of its own against the test services; its stdout and
    stderr. Fails the test on a non-zero exit."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app.entrypoints.cli",
        *args,
        env=process_env(settings, COLUMNS="120"),
        cwd=str(REPO),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    return out.decode(), err.decode()
