"""The tracking pipeline on real Valkey and Neo4j: accepted means stored, exactly once."""

from __future__ import annotations

import asyncio
import signal
import sys

import pytest

from app.bootstrap import Container
from app.services.tracking.acceptance import AcceptanceService, Backpressure
from app.services.tracking.sources import Source
from app.settings import Settings
from tests.messages import message
from tests.pipeline import drain, stored_events
from tests.services import REPO, Endpoints
from tests.subprocess_env import process_env

pytestmark = pytest.mark.integration


async def _source(container: Container, name: str = "web") -> Source:
    return (await container.sources.create(name)).source


async def test_accepted_messages_end_in_their_profiles(container: Container) -> None:
    source = await _source(container)
    await container.acceptance.accept(
        source,
        [
            message(anon="a-1", source=source.id, at=1.0),
            message("identify", anon="a-1", user="u-1", source=source.id, at=2.0),
        ],
    )
    await drain(container)
    profile = await container.profiles.profile_by_identifier("anonymous_id", "a-1")
    assert profile is not None
    assert await container.profiles.event_count(profile.id) == 2
    stats = await container.stream.stats()
    assert (stats["accepted"], stats["processed"], stats["pending"]) == (2, 2, 0)


async def test_small_requests_are_gathered_into_one_transaction_up_to_the_budget(
    container: Container,
) -> None:
    """Requests of two events each (an analytics.js page sends one a call): a resolver reads
    on past its entries per read until the batch holds its message budget, and no further."""
    source = await _source(container)
    for i in range(30):
        batch = [message(anon=f"a-{i}", source=source.id, message_id=f"m-{i}-{j}") for j in (0, 1)]
        await container.acceptance.accept(source, batch)
    await container.stream.ensure_group()
    resolver = container.resolver("gathering")
    resolver.batch_entries, resolver.batch_messages = 4, 20
    assert await resolver.step(block_ms=50) == 20  # 4 entries, then the 6 the budget leaves
    resolver.batch_messages = 1
    assert await resolver.step(block_ms=50) == 8  # one read of 4 entries, not one message
    resolver.batch_messages = 1000
    assert await resolver.step(block_ms=50) == 32  # everything left, in reads of what waits
    assert await resolver.step(block_ms=50) == 0
    assert await stored_events(container) == 60


async def test_replayed_batch_changes_nothing_and_sources_are_separate(
    container: Container,
) -> None:
    web, app_source = await _source(container, "web"), await _source(container, "app")
    batch = [message(anon="a-1", source=web.id, message_id=f"m-{i}") for i in range(5)]
    first = await container.acceptance.accept(web, batch)
    again = await container.acceptance.accept(web, batch)
    assert (first.accepted, again.accepted, again.duplicates) == (5, 0, 5)
    same_ids = [message(anon="a-1", source=app_source.id, message_id="m-0")]
    assert (await container.acceptance.accept(app_source, same_ids)).accepted == 1
    await drain(container)
    assert await stored_events(container) == 6
    # Past the de-duplication window Neo4j's unique event id is the arbiter.
    await container.redis.delete(*await container.redis.keys("cdp:*:dedup:*"))
    assert (await container.acceptance.accept(web, batch)).accepted == 5
    await drain(container)
    assert await stored_events(container) == 6
    assert (await container.stream.stats())["duplicates"] == 5


async def test_a_first_delivery_holding_stored_events_counts_only_the_new_ones(
    container: Container,
) -> None:
    """A first delivery is written without looking up stored events: one sent again after the
    de-duplication window fails the transaction on its unique id, and the batch is written
    again with the lookup. Nothing is stored or counted twice, the new events all are."""
    web = await _source(container, "web")
    sent = [
        message("identify", anon=f"a-{i}", user="u-1", source=web.id, message_id=f"m-{i}")
        for i in range(3)
    ]
    await container.acceptance.accept(web, sent)
    await drain(container)
    links = await container.graph.read("identity/link_counts", ws=container.settings.workspace)
    await container.redis.delete(*await container.redis.keys("cdp:*:dedup:*"))
    later = [
        message("identify", anon="a-0", user="u-1", source=web.id, message_id="m-new"),
        message("identify", anon="a-9", user="u-1", source=web.id, message_id="m-9"),
    ]
    assert (await container.acceptance.accept(web, [*sent, *later])).accepted == 5
    await drain(container)
    assert await stored_events(container) == 5
    stats = await container.stream.stats()
    assert (stats["processed"], stats["duplicates"], stats["pending"]) == (8, 3, 0)
    counts = {
        (r["a"], r["b"], r["rule"]): r["count"]
        for r in await container.graph.read("identity/link_counts", ws=container.settings.workspace)
    }
    before = {(r["a"], r["b"], r["rule"]): r["count"] for r in links}
    grown = {k for k, n in counts.items() if n != before.get(k)}
    assert len(counts) == len(before) + 1  # a-9 is new; a-0 was linked once more
    assert sorted(counts[k] - before.get(k, 0) for k in grown) == [1, 1]
    profile = await container.profiles.profile_by_identifier("anonymous_id", "a-9")
    assert profile is not None
    assert await container.profiles.event_count(profile.id) == 5


async def test_backpressure_refuses_past_the_bound_and_recovers(container: Container) -> None:
    source = await _source(container)
    small = AcceptanceService(container.stream, bound=10, retry_after=3)
    await small.accept(source, [message(anon=f"a-{i}", source=source.id) for i in range(8)])
    with pytest.raises(Backpressure) as refused:
        await small.accept(source, [message(anon=f"b-{i}", source=source.id) for i in range(3)])
    assert refused.value.retry_after == 3
    assert (await container.stream.stats())["pending"] == 8  # nothing half-appended
    await drain(container)
    outcome = await small.accept(
        source, [message(anon=f"b-{i}", source=source.id) for i in range(3)]
    )
    assert outcome.accepted == 3


async def test_a_poison_message_is_dead_lettered_and_the_rest_kept(container: Container) -> None:
    source = await _source(container)
    await container.stream.ensure_group()
    good = message(anon="a-good", source=source.id)
    from app.services.tracking.acceptance import encode_message

    await container.redis.xadd(
        container.stream.stream,
        {"source": source.id, "m1": encode_message(good), "m2": b'{"not": "a message"}'},
    )
    await container.redis.incrby(container.stream.backlog, 2)
    resolver = container.resolver("test-resolver")
    for _ in range(container.settings.resolver_max_attempts + 1):
        await resolver.step(block_ms=50)
    stats = await container.stream.stats()
    assert stats["dead_lettered"] == 1 and stats["pending"] == 0
    assert await container.profiles.profile_by_identifier("anonymous_id", "a-good") is not None
    letters = await container.deadletters.list()
    assert [(d.type, d.reason) for d in letters] == [("undecodable", "TypeError")]
    assert await container.deadletters.replay() == (0, 1)


async def test_resolver_killed_mid_batch_loses_and_doubles_nothing(
    container: Container, settings: Settings
) -> None:
    source = await _source(container)
    total = 0
    for batch in range(60):
        messages = [
            message(
                "identify" if i % 3 == 0 else "track",
                anon=f"anon-{batch}-{i % 4}",
                user=f"user-{batch}" if i % 3 == 0 else None,
                source=source.id,
                at=float(batch * 100 + i),
            )
            for i in range(25)
        ]
        total += (await container.acceptance.accept(source, messages)).accepted

    async def start() -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "app.entrypoints.cli",
            "resolver",
            "--name",
            "crashy",
            env=process_env(
                settings, CDP_RESOLVER_BATCH_ENTRIES="5", CDP_RESOLVER_BATCH_MESSAGES="125"
            ),
            cwd=str(REPO),
        )

    first = await start()
    for _ in range(600):
        processed = (await container.stream.stats()).get("processed", 0)
        if processed >= 200:
            break
        await asyncio.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    await first.wait()
    assert (await container.stream.stats())["pending"] > 0, "killed too late to prove anything"

    second = await start()
    try:
        for _ in range(1200):
            if (await container.stream.stats())["pending"] == 0:
                break
            await asyncio.sleep(0.05)
    finally:
        second.send_signal(signal.SIGTERM)
        await asyncio.wait_for(second.wait(), 30)
    assert (await container.stream.stats())["pending"] == 0
    assert await stored_events(container) == total == 1500


async def test_valkey_restart_after_accepting_loses_nothing(
    container: Container, endpoints: Endpoints
) -> None:
    if endpoints.local_valkey is None:
        pytest.skip("needs the locally launched Valkey")
    source = await _source(container)
    for batch in range(10):
        await container.acceptance.accept(
            source, [message(anon=f"v-{batch}-{i}", source=source.id) for i in range(10)]
        )
    endpoints.local_valkey.stop()
    endpoints.local_valkey.start()
    await container.redis.connection_pool.disconnect()
    assert (await container.stream.stats())["pending"] == 100
    await drain(container)
    assert await stored_events(container) == 100
