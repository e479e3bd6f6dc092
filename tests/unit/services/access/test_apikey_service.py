"""API keys: creation, bearer authentication, expiry, revocation and workspace scoping on
in-memory stores: no Neo4j, milliseconds."""

from __future__ import annotations

import pytest

from app.domain.access import Principal, Role
from app.errors import InvalidInput, NotFound
from app.services.access.apikeys import CACHE_SECONDS, DAY, ApiKeyService
from app.services.privacy.audit import AuditLog
from app.services.tracking.sources import key_digest
from tests.fakes.apikeys import InMemoryApiKeyStore
from tests.fakes.audit import InMemoryAuditStore
from tests.support.clock import Clock

T0 = 1_800_000_000.0
ADMIN_KEY = "dev-admin-key"


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
def store() -> InMemoryApiKeyStore:
    return InMemoryApiKeyStore("acme")


@pytest.fixture
def audit() -> InMemoryAuditStore:
    return InMemoryAuditStore()


def _service(store: InMemoryApiKeyStore, clock: Clock, audit: InMemoryAuditStore) -> ApiKeyService:
    return ApiKeyService(store, ADMIN_KEY, clock, audit=AuditLog(audit, clock=clock))


@pytest.fixture
def keys(store: InMemoryApiKeyStore, clock: Clock, audit: InMemoryAuditStore) -> ApiKeyService:
    return _service(store, clock, audit)


async def test_a_created_key_authenticates_with_its_role(
    keys: ApiKeyService, store: InMemoryApiKeyStore
) -> None:
    made = await keys.create("  growth  ", " Marketer ", None, by="alice")
    assert (made.key.name, made.key.role, made.key.created_at) == ("growth", Role.MARKETER, T0)
    assert made.key.expires_at is None and not made.key.revoked
    assert made.secret.startswith("cdp_")
    assert await keys.authenticate(made.secret) == Principal(made.key.id, "growth", Role.MARKETER)
    assert await keys.list() == [made.key]
    assert store.keys[0].key_hash == key_digest(made.secret)


async def test_keys_are_listed_oldest_first(keys: ApiKeyService, clock: Clock) -> None:
    first = await keys.create("b", "viewer", None)
    clock.now += 1
    second = await keys.create("a", "admin", None)
    assert [k.id for k in await keys.list()] == [first.key.id, second.key.id]


@pytest.mark.parametrize(
    ("name", "role", "days"),
    [
        ("ops", "owner", None),
        ("", "viewer", None),
        ("x" * 101, "viewer", None),
        ("ops", "viewer", 0),
        ("ops", "viewer", 3651),
    ],
)
async def test_a_bad_role_name_or_expiry_is_refused_and_nothing_is_kept(
    keys: ApiKeyService, audit: InMemoryAuditStore, name: str, role: str, days: float | None
) -> None:
    with pytest.raises(InvalidInput):
        await keys.create(name, role, days)
    assert await keys.list() == [] and audit.written == []


async def test_a_key_works_until_it_expires_even_when_remembered(
    keys: ApiKeyService, clock: Clock
) -> None:
    made = await keys.create("temp", "analyst", 1)
    assert made.key.expires_at == T0 + DAY
    clock.now = T0 + DAY - 5
    assert await keys.authenticate(made.secret) is not None
    clock.now = T0 + DAY  # within the cache's lifetime of the last answer
    assert await keys.authenticate(made.secret) is None


async def test_a_revoked_key_stops_at_once_and_the_revocation_is_audited(
    keys: ApiKeyService, audit: InMemoryAuditStore
) -> None:
    made = await keys.create("ops", "admin", None, by="alice")
    assert await keys.authenticate(made.secret) is not None  # now remembered
    await keys.revoke(made.key.id, by="bob")
    assert await keys.authenticate(made.secret) is None
    assert [k.revoked for k in await keys.list()] == [True]
    assert [(e.actor, e.action, e.target, e.details) for e in audit.written] == [
        ("alice", "apikey.created", made.key.id, {"role": "admin"}),
        ("bob", "apikey.revoked", made.key.id, {}),
    ]


async def test_a_key_revoked_by_another_process_is_remembered_only_briefly(
    keys: ApiKeyService, store: InMemoryApiKeyStore, clock: Clock, audit: InMemoryAuditStore
) -> None:
    made = await keys.create("ops", "viewer", None)
    assert await keys.authenticate(made.secret) is not None
    await _service(store, clock, audit).revoke(made.key.id)
    clock.now += CACHE_SECONDS - 1
    assert await keys.authenticate(made.secret) is not None
    clock.now += 1
    assert await keys.authenticate(made.secret) is None


async def test_revoking_an_unknown_key_is_not_found_and_not_audited(
    keys: ApiKeyService, audit: InMemoryAuditStore
) -> None:
    with pytest.raises(NotFound):
        await keys.revoke("nope", by="bob")
    assert audit.written == []


async def test_keys_stay_in_their_workspace(
    keys: ApiKeyService, store: InMemoryApiKeyStore, clock: Clock, audit: InMemoryAuditStore
) -> None:
    other = _service(store.in_workspace("globex"), clock, audit)
    theirs = await other.create("ops", "admin", None)
    assert await keys.authenticate(theirs.secret) is None
    assert await keys.list() == []
    with pytest.raises(NotFound):
        await keys.revoke(theirs.key.id)
    assert await other.authenticate(theirs.secret) is not None


async def test_the_admin_key_needs_no_stored_key(keys: ApiKeyService) -> None:
    found = await keys.authenticate(ADMIN_KEY)
    assert found == Principal("admin-api-key", "admin-api-key", Role.ADMIN)


@pytest.mark.parametrize("token", [None, "", "x" * 201, "cdp_never_issued"])
async def test_missing_oversized_and_unknown_tokens_find_nobody(
    keys: ApiKeyService, token: str | None
) -> None:
    await keys.create("ops", "admin", None)
    assert await keys.authenticate(token) is None
