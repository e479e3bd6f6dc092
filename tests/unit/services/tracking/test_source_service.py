"""Tracking sources and write-key authentication on an in-memory store: no Neo4j, milliseconds."""

from __future__ import annotations

import pytest

from app.errors import InvalidInput, NotFound
from app.services.tracking.sources import CACHE_SECONDS, SourceService, key_digest
from tests.fakes.sources import InMemorySourceStore
from tests.support.clock import Clock

T0 = 1_800_000_000.0


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
def store() -> InMemorySourceStore:
    return InMemorySourceStore("acme")


@pytest.fixture
def sources(store: InMemorySourceStore, clock: Clock) -> SourceService:
    return SourceService(store, clock=clock)


async def test_a_created_source_is_listed_by_name_and_its_key_authenticates(
    sources: SourceService,
) -> None:
    web = await sources.create("  web  ", trust=0.9)
    app = await sources.create("app")
    assert (web.source.name, web.source.trust, web.source.ws) == ("web", 0.9, "acme")
    assert app.source.trust == 0.5  # the default trust
    assert [(s.name, s.trust) for s in await sources.list()] == [("app", 0.5), ("web", 0.9)]
    assert await sources.authenticate(web.write_key) == web.source
    assert await sources.authenticate(app.write_key) == app.source
    assert web.write_key.startswith("wk_") and web.write_key != app.write_key


async def test_only_the_digest_of_a_write_key_is_stored(
    sources: SourceService, store: InMemorySourceStore
) -> None:
    created = await sources.create("web")
    stored = store.nodes[created.source.id]
    assert stored.key_hash == key_digest(created.write_key)
    assert created.write_key not in {stored.key_hash, stored.id, stored.name}


@pytest.mark.parametrize(
    ("name", "trust"), [("", 0.5), ("   ", 0.5), ("x" * 101, 0.5), ("web", 0.0), ("web", 1.01)]
)
async def test_a_bad_name_or_trust_is_refused_and_nothing_is_stored(
    sources: SourceService, name: str, trust: float
) -> None:
    with pytest.raises(InvalidInput):
        await sources.create(name, trust)
    assert await sources.list() == []


async def test_full_trust_is_allowed(sources: SourceService) -> None:
    assert (await sources.create("server", trust=1.0)).source.trust == 1.0


async def test_a_rotated_key_stops_at_once_and_the_new_one_works(
    sources: SourceService, clock: Clock
) -> None:
    created = await sources.create("web")
    assert await sources.authenticate(created.write_key) is not None  # now remembered
    clock.now += 1
    new_key = await sources.rotate_key(created.source.id)
    assert await sources.authenticate(created.write_key) is None
    assert await sources.authenticate(new_key) == created.source
    assert [s.id for s in await sources.list()] == [created.source.id]


async def test_a_key_rotated_by_another_process_is_remembered_only_briefly(
    sources: SourceService, store: InMemorySourceStore, clock: Clock
) -> None:
    created = await sources.create("web")
    assert await sources.authenticate(created.write_key) is not None
    other_process = SourceService(store, clock=clock)
    await other_process.rotate_key(created.source.id)
    clock.now += CACHE_SECONDS - 1
    assert await sources.authenticate(created.write_key) is not None
    clock.now += 1
    assert await sources.authenticate(created.write_key) is None


async def test_rotating_an_unknown_source_is_not_found(sources: SourceService) -> None:
    with pytest.raises(NotFound):
        await sources.rotate_key("nope")


async def test_sources_and_keys_stay_in_their_workspace(
    sources: SourceService, store: InMemorySourceStore, clock: Clock
) -> None:
    other = SourceService(store.in_workspace("globex"), clock=clock)
    theirs = await other.create("web")
    mine = await sources.create("web")
    assert await sources.authenticate(theirs.write_key) is None
    assert await other.authenticate(theirs.write_key) == theirs.source
    assert [s.id for s in await sources.list()] == [mine.source.id]
    with pytest.raises(NotFound):
        await sources.rotate_key(theirs.source.id)
    assert await other.authenticate(theirs.write_key) is not None


@pytest.mark.parametrize("key", ["", "x" * 201, "wk_never_issued"])
async def test_empty_oversized_and_unknown_keys_find_nothing(
    sources: SourceService, key: str
) -> None:
    await sources.create("web")
    assert await sources.authenticate(key) is None


async def test_the_default_source_is_made_once_and_keeps_its_trust(
    sources: SourceService,
) -> None:
    first = await sources.ensure_default("dev-key-1", trust=0.5)
    assert first.id == "acme:default" and first.name == "default"
    await sources.ensure_default("dev-key-2", trust=0.9)
    assert [(s.id, s.trust) for s in await sources.list()] == [("acme:default", 0.5)]
    assert await sources.authenticate("dev-key-1") is None
    found = await sources.authenticate("dev-key-2")
    assert found is not None and found.id == "acme:default"
