"""The trait schema service on an in-memory store: what an edit must be to be accepted, what
is kept when it is refused, and when other processes' edits are seen."""

from __future__ import annotations

from typing import Any

import pytest

from app.domain.traits import TraitSchema
from app.errors import InvalidInput
from app.services.profiles.schema import SCHEMA_CACHE_SECONDS, TraitSchemaService
from tests.fakes.trait_schema import InMemoryTraitSchemaStore

NOW = 1_800_000_000.0
DEFAULT = TraitSchema.from_mapping(
    {"fields": {"email": {"type": "string", "pii": "personal"}}, "undeclared": "reject"}
)
EDIT: dict[str, Any] = {
    "fields": {
        "plan": {"type": "string", "pii": "plain", "strategy": "most_recent"},
        "email": {"type": "string", "pii": "personal"},
    },
    "default_trust": 0.4,
}


class Ticks:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def store() -> InMemoryTraitSchemaStore:
    return InMemoryTraitSchemaStore()


@pytest.fixture
def ticks() -> Ticks:
    return Ticks()


def _service(store: InMemoryTraitSchemaStore, ticks: Ticks) -> TraitSchemaService:
    return TraitSchemaService(store, DEFAULT, clock=lambda: NOW, monotonic=ticks)


async def test_the_file_schema_is_in_force_as_version_0_until_an_edit(
    store: InMemoryTraitSchemaStore, ticks: Ticks
) -> None:
    schemas = _service(store, ticks)
    assert await schemas.current() == DEFAULT
    assert await schemas.version() == 0


async def test_an_edit_is_stored_whole_and_seen_at_once_by_its_own_process(
    store: InMemoryTraitSchemaStore, ticks: Ticks
) -> None:
    schemas = _service(store, ticks)
    await schemas.current()  # cached before the edit
    assert await schemas.update(EDIT, by="admin:1") == 1
    current = await schemas.current()
    assert [f.name for f in current.fields] == ["plan", "email"]
    assert current.default_trust == 0.4
    plan = current.classify("plan")
    assert plan is not None and (plan.pii, plan.strategy) == ("plain", "most_recent")
    # Absent keys keep the defaults of TraitSchema, not those of the file's schema.
    assert current.undeclared == TraitSchema().undeclared
    assert await schemas.version() == 1
    assert store.saved is not None and store.saved.updated_at == NOW
    assert await schemas.update({"fields": {}}, by="admin:2") == 2
    assert (await schemas.current()).fields == ()
    assert store.editors == ["admin:1", "admin:2"]


@pytest.mark.parametrize(
    ("edit", "says"),
    [
        ({"feilds": {}}, "unknown key(s) feilds"),
        ({"fields": {"plan": {"type": "string"}}}, "fields.plan.pii: missing"),
        ({"fields": {"plan": {"type": "text", "pii": "plain"}}}, "fields.plan.type"),
        ({"fields": {"plan": {"type": "string", "pii": "secret"}}}, "fields.plan.pii"),
        ({"fields": {"Bad Name!": {"type": "string", "pii": "plain"}}}, "fields"),
        ({"default_trust": 2}, "default_trust"),
        ({"track_mappings": [{"event": "Upgraded", "property": "plan"}]}, "track_mappings"),
    ],
)
async def test_an_invalid_edit_is_refused_whole_and_nothing_is_stored(
    store: InMemoryTraitSchemaStore, ticks: Ticks, edit: dict[str, Any], says: str
) -> None:
    schemas = _service(store, ticks)
    await schemas.update(EDIT, by="admin:1")
    with pytest.raises(InvalidInput, match=r"^trait schema: ") as refused:
        await schemas.update(edit, by="admin:2")
    assert says in str(refused.value)
    assert store.editors == ["admin:1"]
    assert await schemas.version() == 1
    assert [f.name for f in (await schemas.current()).fields] == ["plan", "email"]


async def test_another_process_edit_is_seen_once_the_cache_expires(
    store: InMemoryTraitSchemaStore, ticks: Ticks
) -> None:
    here, there = _service(store, ticks), _service(store, ticks)
    assert await here.version() == 0
    await there.update(EDIT, by="admin:1")
    ticks.now += SCHEMA_CACHE_SECONDS - 0.1
    assert await here.version() == 0
    assert await here.current() == DEFAULT
    ticks.now += 0.2
    assert await here.version() == 1
    assert [f.name for f in (await here.current()).fields] == ["plan", "email"]
