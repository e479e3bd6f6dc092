"""Each action is audited once, by the service that does it, under the caller's name."""

from __future__ import annotations

import pytest

from app.bootstrap import Container
from app.errors import NotFound
from app.services.identity.keys import rotate_kek

pytestmark = pytest.mark.integration


async def _actions(container: Container) -> list[tuple[str, str, str | None]]:
    entries = await container.audit.entries(limit=100)
    return sorted((e.action, e.actor, e.target) for e in entries)


async def test_api_keys_and_retention_audit_themselves(container: Container) -> None:
    created = await container.apikeys.create("ops", "viewer", None, by="alice")
    await container.apikeys.revoke(created.key.id, by="bob")
    source = (await container.sources.create("web")).source
    await container.retention.set_source_retention(source.id, 30, by="carol")
    assert await _actions(container) == [
        ("apikey.created", "alice", created.key.id),
        ("apikey.revoked", "bob", created.key.id),
        ("retention.set", "carol", source.id),
    ]
    created_entry = (await container.audit.entries(action="apikey.created"))[0]
    assert created_entry.details == {"role": "viewer"}
    assert created.secret not in str(created_entry.details)


async def test_a_refused_action_is_not_audited(container: Container) -> None:
    with pytest.raises(NotFound, match="no source"):
        await container.retention.set_source_retention("nope", 30, by="carol")
    with pytest.raises(NotFound, match="no API key"):
        await container.apikeys.revoke("nope", by="bob")
    assert await _actions(container) == []


async def test_a_retention_run_that_deletes_nothing_leaves_no_entry(
    container: Container,
) -> None:
    assert not any((await container.retention.run(by="retention-job")).values())
    assert await _actions(container) == []


async def test_a_kek_rotation_is_audited_whoever_runs_it(container: Container) -> None:
    reports: list[tuple[int, int]] = []

    async def report(done: int, remaining: int) -> None:
        reports.append((done, remaining))

    rewrapped = await rotate_kek(container.keystore, 100, report, audit=container.audit, by="dana")
    assert reports[-1] == (rewrapped, 0)
    entry = (await container.audit.entries(action="kek.rotated"))[0]
    assert (entry.actor, entry.details) == ("dana", {"rewrapped": rewrapped})
