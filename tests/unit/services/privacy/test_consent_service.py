"""Consent decisions and verdicts on in-memory stores: no Neo4j, milliseconds."""

from __future__ import annotations

import pytest

from app.adapters.identity_graph import IdentityGraph
from app.domain.consent import ConsentPolicy, Decision, Purpose
from app.errors import InvalidInput
from app.services.identity.curation import CurationService
from app.services.privacy.audit import AuditLog
from app.services.privacy.consent import ConsentService
from tests.fakes.audit import InMemoryAuditStore
from tests.fakes.consent import InMemoryConsentStore
from tests.fakes.unused import unused

NOW = 1_800_000_000.0
POLICY = ConsentPolicy(
    purposes=(Purpose("analytics", "measuring", default_granted=True), Purpose("marketing")),
    aliases={"advertising": "marketing"},
)


def _service(store: InMemoryConsentStore, audit: InMemoryAuditStore) -> ConsentService:
    return ConsentService(
        unused(IdentityGraph),
        store,
        unused(CurationService),
        POLICY,
        AuditLog(audit, clock=lambda: NOW),
        clock=lambda: NOW,
    )


def _decision(
    id: str, purpose: str, granted: bool, at: float, expires: float | None = None
) -> Decision:
    return Decision(id, purpose, granted, at, "web", expires_at=expires)


@pytest.fixture
def store() -> InMemoryConsentStore:
    return InMemoryConsentStore()


@pytest.fixture
def audit() -> InMemoryAuditStore:
    return InMemoryAuditStore()


async def test_configured_purposes_are_stored_with_their_defaults(
    store: InMemoryConsentStore, audit: InMemoryAuditStore
) -> None:
    consent = _service(store, audit)
    await consent.ensure_purposes()
    assert await consent.defaults() == {"analytics": True, "marketing": False}
    assert [(p.name, p.configured) for p in await consent.purposes()] == [
        ("analytics", True),
        ("marketing", True),
    ]


async def test_a_purpose_added_through_the_api_is_normalised_audited_and_not_configured(
    store: InMemoryConsentStore, audit: InMemoryAuditStore
) -> None:
    consent = _service(store, audit)
    view = await consent.add_purpose("Product-Research", "x" * 600, True, by="admin:1")
    assert (view.name, view.configured, len(view.description)) == ("product_research", False, 500)
    assert [(e.actor, e.action, e.target) for e in audit.written] == [
        ("admin:1", "purpose.set", "product_research")
    ]
    with pytest.raises(InvalidInput):
        await consent.add_purpose("!!!", "", False, by="admin:1")


async def test_the_latest_decision_wins_and_an_expired_grant_counts_as_denied(
    store: InMemoryConsentStore, audit: InMemoryAuditStore
) -> None:
    consent = _service(store, audit)
    await consent.ensure_purposes()
    store.record("p1", _decision("a", "marketing", False, NOW - 100))
    store.record("p1", _decision("b", "marketing", True, NOW - 50))
    store.record("p2", _decision("c", "marketing", True, NOW - 50, expires=NOW - 1))
    granted = await consent.may_use("p1", "advertising")  # an alias of marketing
    expired = await consent.may_use("p2", "marketing")
    silent = await consent.may_use("p3", "analytics")
    assert (granted.allowed, granted.reason) == (True, "granted")
    assert (expired.allowed, expired.reason) == (False, "expired")
    assert (silent.allowed, silent.reason) == (True, "default_granted")


async def test_many_profiles_are_answered_at_once_with_the_stored_default(
    store: InMemoryConsentStore, audit: InMemoryAuditStore
) -> None:
    consent = _service(store, audit)
    await consent.ensure_purposes()
    store.record("p1", _decision("a", "analytics", False, NOW - 10))
    verdicts = await consent.may_use_many(["p1", "p2"], "analytics")
    assert {pid: v.allowed for pid, v in verdicts.items()} == {"p1": False, "p2": True}


async def test_effective_consent_lists_every_known_and_every_decided_purpose(
    store: InMemoryConsentStore, audit: InMemoryAuditStore
) -> None:
    consent = _service(store, audit)
    await consent.ensure_purposes()
    store.record("p1", _decision("a", "newsletter", True, NOW - 10))
    verdicts = await consent.effective("p1")
    assert [(v.purpose, v.allowed) for v in verdicts] == [
        ("analytics", True),
        ("marketing", False),
        ("newsletter", True),
    ]


async def test_an_unknown_purpose_is_refused_with_its_name(
    store: InMemoryConsentStore, audit: InMemoryAuditStore
) -> None:
    consent = _service(store, audit)
    with pytest.raises(InvalidInput, match="is not a usable name"):
        await consent.may_use("p1", "!")
