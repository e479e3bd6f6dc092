"""The retention store: the in-memory fake behaves as the Neo4j store does."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass

import pytest

from app.adapters.stores.retention import Neo4jRetentionStore
from app.bootstrap import Container
from app.ports.retention import RetentionStore
from tests.fakes.retention import InMemoryRetentionStore
from tests.messages import message

pytestmark = pytest.mark.integration

T0 = 1_700_000_000.0


@dataclass
class RetentionBench:
    store: RetentionStore
    #: The same graph seen from another workspace.
    elsewhere: RetentionStore
    #: Creates a source by name; returns its id.
    add_source: Callable[[str], Awaitable[str]]
    #: Stores an event of a source (an id, or any name) at a time.
    add_event: Callable[[str, float], Awaitable[None]]


# A plain fixture: it asks for the async `container` only for the Neo4j store, which pytest can
# set up only outside a running event loop.
@pytest.fixture(params=["memory", "neo4j"])
def bench(request: pytest.FixtureRequest) -> Iterator[RetentionBench]:
    if request.param == "memory":
        fake = InMemoryRetentionStore()

        async def add_source_in_memory(name: str) -> str:
            fake.add_source(name)
            return name

        async def add_event_in_memory(source: str, at: float) -> None:
            fake.add_event(source, at)

        yield RetentionBench(
            fake, fake.in_workspace("elsewhere"), add_source_in_memory, add_event_in_memory
        )
        return
    container: Container = request.getfixturevalue("container")

    async def add_source_in_graph(name: str) -> str:
        return (await container.sources.create(name)).source.id

    async def add_event_in_graph(source: str, at: float) -> None:
        await container.ingestion.ingest([message(user="r-1", source=source, at=at)])

    yield RetentionBench(
        Neo4jRetentionStore(container.graph, container.settings.workspace),
        Neo4jRetentionStore(container.graph, "elsewhere"),
        add_source_in_graph,
        add_event_in_graph,
    )


async def test_a_sources_retention_is_set_and_listed_by_id(bench: RetentionBench) -> None:
    web, crm = await bench.add_source("web"), await bench.add_source("crm")
    assert await bench.store.set_source_retention(web, 30) is True
    assert await bench.store.set_source_retention("no-such-source", 30) is False
    listed = await bench.store.source_retention()
    assert list(listed) == sorted(listed)
    assert (listed[web], listed[crm]) == (30, None)
    assert await bench.store.set_source_retention(web, None) is True
    assert (await bench.store.source_retention())[web] is None


async def test_a_sources_old_events_go_in_batches_and_no_others(bench: RetentionBench) -> None:
    web, crm = await bench.add_source("web"), await bench.add_source("crm")
    for at in (T0 - 30, T0 - 20, T0 - 10, T0 + 10):
        await bench.add_event(web, at)
    await bench.add_event(crm, T0 - 30)
    store = bench.store
    assert [await store.delete_source_events(web, T0, 2) for _ in range(3)] == [2, 1, 0]
    # The newer event and the other source's stayed.
    assert await store.delete_source_events(web, T0 + 100, 10) == 1
    assert await store.delete_source_events(crm, T0, 10) == 1


async def test_other_events_are_those_of_sources_not_listed(bench: RetentionBench) -> None:
    web = await bench.add_source("web")
    await bench.add_event(web, T0 - 10)
    await bench.add_event("removed-source", T0 - 10)
    await bench.add_event("removed-source", T0 + 10)
    assert await bench.store.delete_other_events([web], T0, 10) == 1
    assert await bench.store.delete_other_events([web], T0, 10) == 0
    assert await bench.store.delete_other_events([], T0, 10) == 1


async def test_another_workspace_sees_and_deletes_nothing(bench: RetentionBench) -> None:
    web = await bench.add_source("web")
    await bench.add_event(web, T0 - 10)
    assert await bench.elsewhere.source_retention() == {}
    assert await bench.elsewhere.set_source_retention(web, 30) is False
    assert await bench.elsewhere.delete_other_events([], T0 + 100, 10) == 0
    assert await bench.elsewhere.delete_source_events(web, T0 + 100, 10) == 0
    assert await bench.store.delete_source_events(web, T0 + 100, 10) == 1
