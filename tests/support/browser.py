"""A browser in tests: headless Chromium dumping a page's DOM once its timers ran, the page
served from a loopback origin of its own, and the resolver drained after it."""

from __future__ import annotations

import asyncio
import functools
import os
import shutil
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from app.bootstrap import Container

CHROMIUM = os.environ.get("CDP_TEST_CHROMIUM") or next(
    filter(None, map(shutil.which, ("chromium", "chromium-browser"))), None
)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def static_site(directory: Path) -> Iterator[str]:
    """The files of `directory`, served on a loopback port of their own (another origin than
    the API's); yields the origin."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


async def dump_dom(url: str, profile: Path) -> tuple[str, str]:
    """Chromium's DOM of the page once its timers ran (virtual time waits for the network)."""
    assert CHROMIUM is not None
    process = await asyncio.create_subprocess_exec(
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-default-apps",
        "--disable-extensions",
        "--disable-sync",
        "--no-pings",
        "--no-first-run",
        "--no-default-browser-check",
        "--enable-logging=stderr",
        f"--user-data-dir={profile}",
        "--virtual-time-budget=20000",
        "--dump-dom",
        url,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout=90)
    except TimeoutError:
        os.killpg(process.pid, signal.SIGKILL)
        await process.wait()
        raise
    return out.decode(), err.decode(errors="replace")


async def drain_resolver(container: Container) -> None:
    await container.stream.ensure_group()
    resolver = container.resolver("e2e-browser")
    for _ in range(200):
        if (await container.stream.stats()).get("pending", 0) == 0:
            return
        await resolver.step(block_ms=100)
    raise AssertionError("the resolver did not drain the stream")
