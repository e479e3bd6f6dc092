"""The trait schema store: the in-memory fake behaves as the Neo4j store does."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from app.adapters.stores.trait_schema import Neo4jTraitSchemaStore
from app.bootstrap import Container
from app.domain.traits import TraitSchema
from app.ports.trait_schema import TraitSchemaStore
from tests.fakes.trait_schema import InMemoryTraitSchemaStore

pytestmark = pytest.mark.integration

T0 = 1_700_000_000.0
SCHEMA = TraitSchema.from_mapping(
    {
        "fields": {
            "plan": {"type": "string", "pii": "plain", "strategy": "most_recent"},
            "email": {"type": "string", "pii": "personal"},
        },
        "source_trust": {"crm": 0.9},
        "track_mappings": [{"event": "Plan Upgraded", "property": "plan", "field": "plan"}],
    }
)

#: A store of the given workspace.
Stores = Callable[[str], TraitSchemaStore]


@pytest.fixture(params=["memory", "neo4j"])
def stores(request: pytest.FixtureRequest) -> Iterator[Stores]:
    if request.param == "memory":
        fakes: dict[str, InMemoryTraitSchemaStore] = {}
        yield lambda ws: fakes.setdefault(ws, InMemoryTraitSchemaStore())
        return
    container: Container = request.getfixturevalue("container")
    yield lambda ws: Neo4jTraitSchemaStore(container.graph, ws)


async def test_nothing_is_stored_until_an_edit_then_each_edit_is_a_version(
    stores: Stores,
) -> None:
    store = stores("default")
    assert await store.stored() is None
    assert await store.save(SCHEMA, T0, "admin:1") == 1
    stored = await store.stored()
    assert stored is not None
    assert (stored.schema, stored.version, stored.updated_at) == (SCHEMA, 1, T0)
    assert await store.save(TraitSchema(), T0 + 5, "admin:2") == 2
    again = await store.stored()
    assert again is not None and (again.schema, again.version) == (TraitSchema(), 2)


async def test_each_workspace_has_its_own_schema(stores: Stores) -> None:
    await stores("default").save(SCHEMA, T0, "admin:1")
    other = stores("other")
    assert await other.stored() is None
    assert await other.save(TraitSchema(), T0, "admin:1") == 1
    mine = await stores("default").stored()
    assert mine is not None and (mine.schema, mine.version) == (SCHEMA, 1)
