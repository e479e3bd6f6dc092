"""Two resolver processes on one workspace: no identifier ever ends up in two profiles."""

from __future__ import annotations

import asyncio
import sys
import time

import pytest

from app.bootstrap import Container
from app.settings import Settings
from tests.identity_checks import partition, profile_id
from tests.messages import message
from tests.services import REPO
from tests.subprocess_env import process_env

pytestmark = pytest.mark.integration

COUNT = 40


async def test_two_resolver_processes_cannot_put_an_identifier_in_two_profiles(
    container: Container, settings: Settings
) -> None:
    # Each cluster starts as {left anon, right anon, device}; then both sides log in at once.
    await container.ingestion.ingest(
        [
            message(anon=f"race-{side}-anon-{i}", device=f"race-device-{i}", at=i + offset)
            for i in range(COUNT)
            for side, offset in (("left", 0.0), ("right", 0.5))
        ]
    )
    start_at = time.time() + 4.0
    writers = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.concurrent_writer",
            "--side",
            side,
            "--count",
            str(COUNT),
            "--base-time",
            str(base),
            "--start-at",
            str(start_at),
            env=process_env(settings),
            cwd=str(REPO),
        )
        for side, base in (("left", 1000.0), ("right", 2000.0))
    ]
    codes = await asyncio.wait_for(asyncio.gather(*(w.wait() for w in writers)), 120)
    assert codes == [0, 0]

    groups = await partition(container)  # asserts: every identifier in exactly one profile
    assert sum(len(g) for g in groups) == 5 * COUNT
    for i in range(COUNT):
        device = await profile_id(container, "device_id", f"race-device-{i}")
        right = await profile_id(container, "user_id", f"right-user-{i}")
        # The canonical order decides, not the race: identify links (0.9) come before the
        # device's co-occurrence (0.6), so each anon keeps its own login and the device goes
        # with the earlier one; no profile ever holds two user ids.
        assert device == await profile_id(container, "user_id", f"left-user-{i}")
        assert device == await profile_id(container, "anonymous_id", f"race-left-anon-{i}")
        assert right == await profile_id(container, "anonymous_id", f"race-right-anon-{i}")
        assert device != right
    rows = await container.graph.read("identity/lock_state", ws=settings.workspace)
    assert rows[0]["transactions"] >= 2 * COUNT
