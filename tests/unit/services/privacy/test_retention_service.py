"""Event retention on an in-memory store: which events a run removes, and what it reports."""

from __future__ import annotations

import pytest

from app.errors import InvalidInput, NotFound
from app.services.privacy.audit import AuditLog
from app.services.privacy.retention import DAY, RetentionService
from tests.fakes.audit import InMemoryAuditStore
from tests.fakes.retention import InMemoryRetentionStore

NOW = 1_800_000_000.0


def _service(
    store: InMemoryRetentionStore,
    default_days: int,
    audit: InMemoryAuditStore | None = None,
    batch: int = 5000,
) -> RetentionService:
    log = AuditLog(audit, clock=lambda: NOW) if audit is not None else None
    return RetentionService(store, default_days, batch, clock=lambda: NOW, audit=log)


def _ages(store: InMemoryRetentionStore) -> dict[str, list[float]]:
    """Each source's stored events, by age in days."""
    ages: dict[str, list[float]] = {}
    for e in store.nodes.events:
        ages.setdefault(e.source, []).append((NOW - e.at) / DAY)
    return ages


async def test_a_sources_own_retention_wins_over_the_default() -> None:
    store = InMemoryRetentionStore()
    store.add_source("web", 30)
    store.add_source("crm")
    assert await _service(store, 90).policy() == {"crm": 90, "web": 30}
    assert await _service(store, 0).policy() == {"crm": 0, "web": 30}


async def test_a_run_removes_only_events_past_their_sources_retention() -> None:
    store = InMemoryRetentionStore()
    store.add_source("web", 30)
    store.add_source("crm")  # the default: 90 days
    for days in (100, 40, 29):
        store.add_event("web", NOW - days * DAY)
        store.add_event("crm", NOW - days * DAY)
        store.add_event("removed-source", NOW - days * DAY)
    deleted = await _service(store, 90).run()
    assert deleted == {"crm": 1, "web": 2, "(other sources)": 1}
    assert _ages(store) == {"crm": [40, 29], "web": [29], "removed-source": [40, 29]}


async def test_without_a_default_only_sources_with_their_own_retention_lose_events() -> None:
    store = InMemoryRetentionStore()
    store.add_source("web", 30)
    store.add_source("crm")
    for source in ("web", "crm", "removed-source"):
        store.add_event(source, NOW - 1000 * DAY)
    assert await _service(store, 0).run() == {"web": 1}
    assert sorted(_ages(store)) == ["crm", "removed-source"]


async def test_a_run_drains_batch_after_batch() -> None:
    store = InMemoryRetentionStore()
    store.add_source("web", 1)
    for n in range(7):
        store.add_event("web", NOW - (2 + n) * DAY)
    store.add_event("web", NOW)
    assert await _service(store, 0, batch=3).run() == {"web": 7}
    assert _ages(store) == {"web": [0]}


async def test_a_run_is_audited_only_when_something_went() -> None:
    store, audit = InMemoryRetentionStore(), InMemoryAuditStore()
    store.add_source("web", 30)
    store.add_event("web", NOW - DAY)
    assert await _service(store, 0, audit).run(by="retention-job") == {"web": 0}
    assert audit.written == []
    store.add_event("web", NOW - 31 * DAY)
    await _service(store, 0, audit).run(by="retention-job")
    [entry] = audit.written
    assert (entry.actor, entry.action, entry.target) == ("retention-job", "retention.run", None)
    assert entry.details == {"web": 1}


async def test_setting_a_retention_is_checked_and_audited() -> None:
    store, audit = InMemoryRetentionStore(), InMemoryAuditStore()
    store.add_source("web")
    service = _service(store, 90, audit)
    for days in (0, 36_501):
        with pytest.raises(InvalidInput):
            await service.set_source_retention("web", days, by="carol")
    with pytest.raises(NotFound):
        await service.set_source_retention("nope", 30, by="carol")
    assert audit.written == [] and await service.policy() == {"web": 90}
    await service.set_source_retention("web", 7, by="carol")
    assert await service.policy() == {"web": 7}
    await service.set_source_retention("web", None, by="carol")
    assert await service.policy() == {"web": 90}
    assert [(e.action, e.target, e.details) for e in audit.written] == [
        ("retention.set", "web", {"days": 7}),
        ("retention.set", "web", {"days": None}),
    ]
