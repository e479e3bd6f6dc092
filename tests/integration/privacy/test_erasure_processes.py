"""Erasures run by processes: a worker killed half-way finishes on restart, the command line
exports then erases, and runners starting together do the work once."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path

import pytest

from app.bootstrap import Container
from app.services.privacy.erasure import ErasureStatus
from app.settings import Settings
from tests.integration.privacy.erasure_subject import MUM, T0, mum_messages, no_enqueue
from tests.messages import message
from tests.services import REPO
from tests.subprocess_env import process_env
from tests.support.profiles import profile_id_or_none

pytestmark = pytest.mark.integration


async def test_a_worker_killed_in_the_middle_of_an_erasure_finishes_on_restart(
    container: Container, settings: Settings
) -> None:
    await container.ingestion.ingest(mum_messages(n_tracks=0))
    tracks = [message(anon=MUM["anon"], at=T0 + 10 + i) for i in range(600)]
    for start in range(0, len(tracks), 200):
        await container.ingestion.ingest(tracks[start : start + 200])
    request = await container.erasure.request("user_id", MUM["user"], "dpo", "", no_enqueue)
    env = process_env(
        settings,
        CDP_ERASURE_BATCH_SIZE="10",
        CDP_ERASURE_LEASE_SECONDS="2",
        CDP_WORKER_RUNS_RESOLVER="false",
    )

    async def start_worker() -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "app.entrypoints.cli", "worker", env=env, cwd=str(REPO)
        )

    async def status() -> ErasureStatus:
        found = await container.erasure.status(request.id)
        assert found is not None
        return found

    first = await start_worker()
    try:
        for _ in range(1200):
            current = await status()
            if current.counts.get("events", 0) > 0:
                break
            await asyncio.sleep(0.02)
    finally:
        first.send_signal(signal.SIGKILL)
        await first.wait()
    half_way = await status()
    assert half_way.status == "running", "killed too late to prove anything"
    assert 0 < half_way.counts.get("events", 0) < 601

    second = await start_worker()
    try:
        for _ in range(600):
            if (await status()).status == "completed":
                break
            await asyncio.sleep(0.1)
    finally:
        second.send_signal(signal.SIGTERM)
        await asyncio.wait_for(second.wait(), 30)
    final = await status()
    assert final.status == "completed"
    assert final.counts["events"] == 601
    assert await profile_id_or_none(container, "user_id", MUM["user"]) is None


async def test_the_command_line_exports_then_erases(
    container: Container, settings: Settings, tmp_path: Path
) -> None:
    await container.ingestion.ingest(mum_messages(n_tracks=2))
    out = tmp_path / "subject.json"

    async def cdp(*args: str) -> str:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "app.entrypoints.cli",
            *args,
            env=process_env(settings),
            cwd=str(REPO),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        stdout, stderr = await process.communicate()
        assert process.returncode == 0, stderr.decode()
        return stdout.decode()

    await cdp("subject", "export", "--type", "email", "--value", MUM["email"], "--out", str(out))
    assert out.stat().st_mode & 0o777 == 0o600
    document = json.loads(out.read_text())
    assert len(document["events"]) == 3
    printed = await cdp(
        "erasures", "request", "--type", "user_id", "--value", MUM["user"], "--wait"
    )
    request_id, status, counts = printed.strip().split("\t")
    assert status == "completed" and "events=3" in counts
    assert MUM["user"] not in printed
    listed = await cdp("erasures", "list")
    assert request_id in listed


async def test_two_runners_starting_together_do_the_work_once(container: Container) -> None:
    await container.ingestion.ingest(mum_messages(n_tracks=40))
    request = await container.erasure.request("user_id", MUM["user"], "dpo", "", no_enqueue)
    results = await asyncio.gather(
        *(container.erasure.run(request.id) for _ in range(4)), return_exceptions=True
    )
    done = [r for r in results if isinstance(r, ErasureStatus)]
    assert [type(r).__name__ for r in results if not isinstance(r, ErasureStatus)] == [
        "LeaseHeld"
    ] * (4 - len(done))
    final = await container.erasure.status(request.id)
    assert final is not None and final.status == "completed"
    assert final.counts["events"] == 41 and final.counts["identifiers"] == 5
