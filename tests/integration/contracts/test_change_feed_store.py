"""The change feed and event owners: the in-memory fakes behave as Valkey's stream and
pub/sub and as the Neo4j owner lookup do."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import aclosing
from dataclasses import dataclass

import pytest

from app.adapters.stores.changes import Neo4jOwnerProfiles
from app.adapters.valkey.changes import ValkeyChangeFeed
from app.bootstrap import Container
from app.ports.changes import ChangeFeed, FeedNotice, OwnerProfiles, ProfileNotice
from tests.fakes.changes import InMemoryChangeFeed, InMemoryOwnerProfiles
from tests.messages import message
from tests.support.profiles import profile_id

pytestmark = pytest.mark.integration


@dataclass
class FeedBench:
    feed: ChangeFeed
    owners: OwnerProfiles
    #: A profile made from an anonymous id: its id and the key of its identifier.
    owner: Callable[[str], Awaitable[tuple[str, str]]]


@pytest.fixture(params=["memory", "valkey+neo4j"])
def bench(request: pytest.FixtureRequest) -> FeedBench:
    """A sync fixture: it asks for the async `container` only for the real stores."""
    if request.param == "memory":
        owners = InMemoryOwnerProfiles()

        async def in_memory(anon: str) -> tuple[str, str]:
            owners.owners[f"key-{anon}"] = f"p-{anon}"
            return f"p-{anon}", f"key-{anon}"

        return FeedBench(InMemoryChangeFeed(), owners, in_memory)
    container: Container = request.getfixturevalue("container")
    ws = container.settings.workspace

    async def in_graph(anon: str) -> tuple[str, str]:
        tracked = message(anon=anon)
        await container.ingestion.ingest([tracked])
        [key] = container.ingestion.identifier_keys(tracked)
        return await profile_id(container, "anonymous_id", anon), key

    return FeedBench(
        ValkeyChangeFeed(container.redis, ws), Neo4jOwnerProfiles(container.graph, ws), in_graph
    )


async def test_the_group_starts_at_the_end_and_keeps_entries_pending_until_acknowledged(
    bench: FeedBench,
) -> None:
    feed = bench.feed
    await feed.publish([ProfileNotice("p-0", "created")], [])  # before the group: never read
    await feed.ensure_group()
    await feed.ensure_group()  # again: nothing changes
    await feed.publish([ProfileNotice("p-1", "merged", ("p-2", "p-3"))], [("k-1", None)])
    await feed.publish([], [("k-2", "Signed Up")])  # events alone make an entry too

    first = await feed.read_new("a", 10, None)
    assert [(e.notices, e.events) for e in first] == [
        ((FeedNotice("p-1", "merged", ("p-2", "p-3")),), (("k-1", ""),)),
        ((), (("k-2", "Signed Up"),)),
    ]
    assert await feed.read_new("a", 10, None) == []  # delivered once
    assert await feed.read_pending("b", 10) == []  # pending for the consumer that read them
    assert [e.id for e in await feed.read_pending("a", 1)] == [first[0].id]
    await feed.ack([first[0].id])
    assert await feed.read_pending("a", 10) == [first[1]]
    await feed.ack([first[1].id])
    assert await feed.read_pending("a", 10) == []
    await feed.publish([ProfileNotice("p-4", "erased")], [])
    [later] = await feed.read_new("b", 10, None)
    assert later.notices == (FeedNotice("p-4", "erased"),)


async def test_subscribers_hear_every_notice_broadcast_while_they_listen(
    bench: FeedBench,
) -> None:
    heard: list[ProfileNotice] = []

    async def listen() -> None:
        async with aclosing(bench.feed.listen()) as notices:
            async for notice in notices:
                heard.append(notice)
                if notice.kind == "consent":
                    return

    sent = [ProfileNotice("p-1", "traits", ("plan",), 10.5), ProfileNotice("p-2", "consent")]
    task = asyncio.create_task(listen())
    for _ in range(100):  # the subscription is made at the first read: send until heard
        await bench.feed.publish(sent[:1], [])
        await asyncio.sleep(0.02)
        if heard:
            break
    await bench.feed.publish(sent[1:], [("k-1", "Viewed")])
    await asyncio.wait_for(task, 5.0)
    assert set(heard[:-1]) == {sent[0]} and heard[-1] == sent[1]


async def test_owners_are_the_current_profiles_of_known_keys(bench: FeedBench) -> None:
    ann, ann_key = await bench.owner("anon-ann")
    bob, bob_key = await bench.owner("anon-bob")
    found = await bench.owners.profiles_of([ann_key, "cdp:nobody", bob_key])
    assert found == {ann_key: ann, bob_key: bob}
    assert await bench.owners.profiles_of([]) == {}
