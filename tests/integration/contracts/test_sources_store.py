"""The sources store: the in-memory fake behaves as the Neo4j store does."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from app.adapters.stores.sources import Neo4jSourceStore
from app.bootstrap import Container
from app.ports.sources import Source, SourceStore
from tests.fakes.sources import InMemorySourceStore

pytestmark = pytest.mark.integration

T0 = 1_700_000_000.0
WS, OTHER = "contract-ws", "contract-other"

#: A store of the named workspace; all of them over the same storage.
Stores = Callable[[str], SourceStore]


@pytest.fixture(params=["memory", "neo4j"])
def stores(request: pytest.FixtureRequest) -> Stores:
    """A sync fixture: it asks for the async `container` only when the store is Neo4j."""
    if request.param == "memory":
        fake = InMemorySourceStore(WS)
        return fake.in_workspace
    container: Container = request.getfixturevalue("container")
    return lambda ws: Neo4jSourceStore(container.graph, ws)


async def test_sources_are_listed_by_name_then_id_and_found_by_digest(stores: Stores) -> None:
    store = stores(WS)
    assert store.ws == WS
    await store.create(source_id="s-2", name="web", trust=0.9, key_hash="h2", at=T0)
    await store.create(source_id="s-1", name="web", trust=0.5, key_hash="h1", at=T0)
    await store.create(source_id="s-0", name="app", trust=1.0, key_hash="h0", at=T0)
    assert [s.id for s in await store.list()] == ["s-0", "s-1", "s-2"]
    assert await store.by_key_hash("h2") == Source("s-2", WS, "web", 0.9)
    assert await store.by_key_hash("nope") is None


async def test_a_new_key_replaces_the_old_one(stores: Stores) -> None:
    store = stores(WS)
    await store.create(source_id="s-1", name="web", trust=0.5, key_hash="old", at=T0)
    assert await store.set_key("s-1", "new", T0 + 1)
    assert await store.by_key_hash("old") is None
    assert await store.by_key_hash("new") == Source("s-1", WS, "web", 0.5)
    assert not await store.set_key("s-404", "other", T0 + 1)


async def test_ensure_creates_once_and_then_only_changes_the_key(stores: Stores) -> None:
    store = stores(WS)
    await store.ensure(source_id="d", name="default", trust=0.5, key_hash="k1", at=T0)
    await store.ensure(source_id="d", name="renamed", trust=0.9, key_hash="k2", at=T0 + 1)
    assert await store.list() == [Source("d", WS, "default", 0.5)]
    assert await store.by_key_hash("k1") is None
    assert await store.by_key_hash("k2") == Source("d", WS, "default", 0.5)


async def test_another_workspace_sees_none_of_it(stores: Stores) -> None:
    mine, theirs = stores(WS), stores(OTHER)
    await theirs.create(source_id="t-1", name="web", trust=0.5, key_hash="same", at=T0)
    await mine.create(source_id="m-1", name="web", trust=0.5, key_hash="same", at=T0)
    assert [s.id for s in await mine.list()] == ["m-1"]
    assert (await mine.by_key_hash("same")) == Source("m-1", WS, "web", 0.5)
    assert not await mine.set_key("t-1", "stolen", T0 + 1)
    assert await theirs.by_key_hash("same") == Source("t-1", OTHER, "web", 0.5)


async def test_a_trust_is_set_only_on_the_workspace_s_own_source(stores: Stores) -> None:
    await stores(WS).create(source_id="s-1", name="web", trust=0.5, key_hash="h1", at=T0)
    assert await stores(OTHER).set_trust("s-1", 0.9, T0) is None
    assert await stores(WS).set_trust("missing", 0.9, T0) is None
    assert await stores(WS).set_trust("s-1", 0.8, T0 + 1) == Source("s-1", WS, "web", 0.8)
    assert [s.trust for s in await stores(WS).list()] == [0.8]
