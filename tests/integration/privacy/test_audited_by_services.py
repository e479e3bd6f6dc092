"""Each action is audited once, by the service that does it, under the caller's name."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from app.bootstrap import Container
from app.errors import NotFound
from app.services.identity.keys import rotate_kek
from app.settings import Settings
from tests.messages import message
from tests.processes import run_cli
from tests.subprocess_env import process_env

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


async def _two_people(container: Container) -> None:
    await container.ingestion.ingest(
        [message("identify", user=f"u-{n}", email=f"person{n}@example.org") for n in (1, 2)]
    )


async def test_a_clear_export_is_audited_once_by_the_exporter(container: Container) -> None:
    await _two_people(container)
    exporter = container.profile_exporter()
    assert await exporter.export(io.StringIO(), "csv", reveal=False, by="erin") == 2
    assert await _actions(container) == []  # masked: nothing personal left
    assert await exporter.export(io.StringIO(), "ndjson", reveal=True, by="erin") == 2
    entries = await container.audit.entries()
    assert [(e.action, e.actor, e.target, e.details) for e in entries] == [
        ("profiles.exported", "erin", None, {"profiles": 2})
    ]


async def test_cdp_export_leaves_the_exporters_one_entry(
    container: Container, settings: Settings, tmp_path: Path
) -> None:
    await _two_people(container)
    key = await container.apikeys.create("dpo", "privacy_officer", None, by="admin")
    out = tmp_path / "clear.ndjson"
    args = ["export", "profiles", "--out", str(out), "--api-key", key.secret]
    code, _, err = await run_cli(args, process_env(settings))
    assert code == 0, err
    assert "person1@example.org" in out.read_text(encoding="utf-8")
    exported = await container.audit.entries(action="profiles.exported")
    assert [(e.actor, e.details) for e in exported] == [("privacy_officer:dpo", {"profiles": 2})]


async def test_cdp_restore_leaves_the_restores_one_entry(
    container: Container, settings: Settings, tmp_path: Path
) -> None:
    await _two_people(container)
    env, backup = process_env(settings), tmp_path / "backup"
    for args in (["backup", str(backup)], ["restore", str(backup), "--yes"]):
        code, _, err = await run_cli([*args, "--without-graph"], env)
        assert code == 0, err
    restored = await container.audit.entries(action="backup.restored")
    assert [(e.actor, e.details["erasures_run"]) for e in restored] == [("cli", 0)]
