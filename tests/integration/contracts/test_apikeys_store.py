"""The API keys store: the in-memory fake behaves as the Neo4j store does."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from app.adapters.stores.apikeys import Neo4jApiKeyStore
from app.bootstrap import Container
from app.domain.access import Role
from app.ports.apikeys import ApiKeyStore, ApiKeyView
from tests.fakes.apikeys import InMemoryApiKeyStore

pytestmark = pytest.mark.integration

T0 = 1_700_000_000.0
WS, OTHER = "contract-ws", "contract-other"

#: A store of the named workspace; all of them over the same storage.
Stores = Callable[[str], ApiKeyStore]


@pytest.fixture(params=["memory", "neo4j"])
def stores(request: pytest.FixtureRequest) -> Stores:
    """A sync fixture: it asks for the async `container` only when the store is Neo4j."""
    if request.param == "memory":
        fake = InMemoryApiKeyStore(WS)
        return fake.in_workspace
    container: Container = request.getfixturevalue("container")
    return lambda ws: Neo4jApiKeyStore(container.graph, ws)


async def test_keys_are_listed_oldest_first_and_found_by_digest(stores: Stores) -> None:
    store = stores(WS)
    await store.create(
        key_id="k-2", name="ops", role=Role.ADMIN, key_hash="h2", at=T0 + 1, expires_at=None
    )
    await store.create(
        key_id="k-1", name="growth", role=Role.MARKETER, key_hash="h1", at=T0, expires_at=T0 + 60
    )
    first = ApiKeyView("k-1", "growth", Role.MARKETER, T0, T0 + 60, False)
    second = ApiKeyView("k-2", "ops", Role.ADMIN, T0 + 1, None, False)
    assert await store.list() == [first, second]
    assert await store.by_hash("h1") == first
    assert await store.by_hash("nope") is None


async def test_a_revoked_key_is_still_found_marked_revoked(stores: Stores) -> None:
    store = stores(WS)
    await store.create(
        key_id="k-1", name="ops", role=Role.VIEWER, key_hash="h1", at=T0, expires_at=None
    )
    assert await store.revoke("k-1", T0 + 5)
    assert not await store.revoke("k-404", T0 + 5)
    found = await store.by_hash("h1")
    assert found is not None and found.revoked and found.role is Role.VIEWER
    assert [k.revoked for k in await store.list()] == [True]


async def test_another_workspace_sees_none_of_it(stores: Stores) -> None:
    mine, theirs = stores(WS), stores(OTHER)
    await theirs.create(
        key_id="t-1", name="ops", role=Role.ADMIN, key_hash="theirs", at=T0, expires_at=None
    )
    assert await mine.list() == []
    assert await mine.by_hash("theirs") is None
    assert not await mine.revoke("t-1", T0 + 1)
    found = await theirs.by_hash("theirs")
    assert found is not None and not found.revoked
