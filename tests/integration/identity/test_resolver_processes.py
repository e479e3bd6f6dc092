"""Eight `cdp resolver` processes on one workspace's stream give the partition one writer
gives, and store every event once. (Two processes racing on shared devices: test_concurrency.py;
two, four and eight writers on shuffled traffic: test_writers_side_by_side.py.)"""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import pytest

from app.bootstrap import Container
from app.domain.messages import TrackedMessage
from app.settings import Settings
from tests.identity_checks import partition
from tests.messages import message
from tests.pipeline import stored_events
from tests.processes import start_cli, stop
from tests.subprocess_env import process_env

pytestmark = pytest.mark.integration


def crowded_site(source: str, seed: int, people: int = 60) -> list[TrackedMessage]:
    """People with several anonymous sessions that log in later, e-mails, and family devices
    shared by two people (the cap keeps their user ids apart)."""
    rng = random.Random(seed)
    events: list[TrackedMessage] = []
    for p in range(people):
        device = f"family-device-{p // 2}"
        for s in range(3):
            anon = f"site-anon-{p}-{s}"
            at = float(rng.randrange(1_000_000))
            events.append(
                message(anon=anon, device=device, at=at, message_id=f"t-{p}-{s}", source=source)
            )
            if s:
                events.append(
                    message(
                        "identify",
                        user=f"site-user-{p}",
                        anon=anon,
                        email=f"site-{p}@x.org" if s == 2 else None,
                        at=at + 1,
                        message_id=f"i-{p}-{s}",
                        source=source,
                    )
                )
    rng.shuffle(events)
    return events


async def test_resolver_processes_give_the_partition_of_one(
    container: Container, settings: Settings, tmp_path: Path
) -> None:
    resolvers = 8
    created = await container.sources.create("side-by-side", 0.5)
    events = crowded_site(created.source.id, seed=7)
    rng = random.Random(11)
    rest = list(events)
    while rest:  # requests of one to five messages, as trackers send them
        size = rng.choice((1, 2, 3, 5))
        await container.acceptance.accept(created.source, rest[:size])
        rest = rest[size:]

    env = process_env(settings, CDP_RESOLVER_BATCH_ENTRIES="2", CDP_RESOLVER_BATCH_MESSAGES="6")
    processes = [
        await start_cli(["resolver", "--name", f"side-{n}"], env, tmp_path / f"resolver-{n}.log")
        for n in range(resolvers)
    ]
    try:
        for _ in range(2400):
            if (await container.stream.stats())["pending"] == 0:
                break
            await asyncio.sleep(0.05)
    finally:
        codes = [await stop(r) for r in processes]
    assert codes == [0] * resolvers
    stats = await container.stream.stats()
    assert stats["pending"] == 0 and stats.get("dead_lettered", 0) == 0
    assert await stored_events(container) == len(events)
    # Every process joined the consumer group.
    group = await container.redis.xinfo_consumers(container.stream.stream, container.stream.GROUP)
    names = {str(c["name"], "utf-8") if isinstance(c["name"], bytes) else c["name"] for c in group}
    assert {f"side-{n}" for n in range(resolvers)} <= names
    side_by_side = await partition(container)

    # The same events from one writer, one at a time in arrival order, on an empty graph.
    await container.graph.run_auto_commit("admin/wipe_all")
    for event in events:
        await container.ingestion.ingest([event])
    assert await partition(container) == side_by_side
