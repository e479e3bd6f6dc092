"""Bulk import through the real pipeline and export, driven through the `cdp` command line:
tens of thousands of rows with the progress bar, a resumed interrupted import with no
duplicates, a rejects file without values, and exports masked or clear by role."""

from __future__ import annotations

import asyncio
import csv
import json
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import orjson
import pytest

from app.bootstrap import Container
from app.settings import Settings
from tests.services import REPO
from tests.subprocess_env import process_env, run_cdp

pytestmark = pytest.mark.integration

SECRET = "leaky-value-7731@example.org"
#: Profiles of the CSV import: ten pages of the export.
PROFILES = 1_000


@pytest.fixture
async def resolving(container: Container) -> AsyncIterator[None]:
    stop = asyncio.Event()
    task = asyncio.create_task(container.resolver("import-test").run(stop, block_ms=50))
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, 60)


async def _settled(container: Container, events: int, timeout: float = 90.0) -> int:
    """Waits until the stream is empty and the graph holds `events` events."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        rows = await container.graph.read("graph/stats", ws=container.settings.workspace)
        stored = int(rows[0]["events"])
        pending = (await container.stream.stats()).get("pending", 0)
        if (stored >= events and pending == 0) or loop.time() > deadline:
            return stored
        await asyncio.sleep(0.2)


def _ndjson(path: Path, lines: int, bad: bool = True) -> int:
    good = 0
    with path.open("w", encoding="utf-8") as out:
        for n in range(lines):
            if bad and n % 5000 == 17:
                out.write("{not json\n")
            elif bad and n % 5000 == 18:
                out.write(
                    json.dumps({"type": "track", "userId": "x", "properties": {"email": SECRET}})
                    + "\n"
                )  # no event name
            else:
                out.write(
                    json.dumps(
                        {
                            "type": "track",
                            "event": "Imported",
                            "anonymousId": f"anon-{n % 3000}",
                            "properties": {"n": n},
                        }
                    )
                    + "\n"
                )
                good += 1
    return good


async def test_an_ndjson_import_is_complete_idempotent_and_reports_rejects(
    container: Container, settings: Settings, tmp_path: Path, resolving: None
) -> None:
    await container.sources.create("legacy")
    path = tmp_path / "history.ndjson"
    good = _ndjson(path, 20_000)
    _, err = await run_cdp(settings, "import", str(path), "--source", "legacy")
    assert "rows/s" in err  # the progress bar
    assert "read 20,000 rows: accepted 19,992" in err and "rejected 8" in err, err
    assert await _settled(container, good) == good
    rejects = [
        orjson.loads(line)
        for line in (tmp_path / "history.ndjson.rejects.ndjson").read_text().splitlines()
    ]
    assert len(rejects) == 8 and {r["line"] for r in rejects} >= {18, 19}
    assert all(SECRET not in json.dumps(r) for r in rejects)
    assert {r["reason"] for r in rejects} == {"not valid JSON", "event: is required"}
    _, again = await run_cdp(settings, "import", str(path), "--source", "legacy")
    assert await _settled(container, good) == good  # nothing twice
    # Within the de-duplication window the stream itself recognises the replay; after it, the
    # graph's unique event ids would (as the resume test shows).
    assert "accepted 0, already there 19,992" in again, again


async def test_an_interrupted_import_resumes_without_duplicates(
    container: Container, settings: Settings, tmp_path: Path, resolving: None
) -> None:
    await container.sources.create("legacy")
    path = tmp_path / "big.ndjson"
    good = _ndjson(path, 30_000, bad=False)
    state = tmp_path / "big.ndjson.import-state.json"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app.entrypoints.cli",
        "import",
        str(path),
        "--source",
        "legacy",
        env=process_env(settings),
        cwd=str(REPO),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    for _ in range(600):
        if state.exists() and orjson.loads(state.read_bytes())["line"] >= 2000:
            break
        await asyncio.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    await process.wait()
    stopped_at = orjson.loads(state.read_bytes())["line"]
    assert 0 < stopped_at < 30_000, "killed too late to prove anything"
    _, err = await run_cdp(settings, "import", str(path), "--source", "legacy")
    assert f"resumed after line {stopped_at:,}" in err or f"resumed after line {stopped_at}" in err
    assert await _settled(container, good) == good
    assert not state.exists()


def _customers_csv(tmp_path: Path) -> tuple[Path, Path]:
    """The CRM's customers, one row with no identifier at all, and the mapping of columns."""
    path = tmp_path / "customers.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["customer_no", "mail", "plan", "first"])
        for n in range(PROFILES):
            writer.writerow(
                [f"c-{n}", f"person{n}@example.org", "pro" if n % 2 else "free", f"Name{n}"]
            )
        writer.writerow(["", "", "", ""])  # no identifier at all: rejected
    mapping = tmp_path / "map.yaml"
    mapping.write_text(
        "identifiers: {customer_no: user_id, mail: email}\n"
        "traits: {plan: plan, first: first_name}\n",
        encoding="utf-8",
    )
    return path, mapping


async def _export_masked_and_clear(
    container: Container, settings: Settings, tmp_path: Path
) -> tuple[Path, Path]:
    """Exported with the default key (masked), then as NDJSON and CSV with a DPO's key (clear)."""
    masked_file = tmp_path / "masked.ndjson"
    await run_cdp(settings, "export", "profiles", "--out", str(masked_file))
    clear_key = (await container.apikeys.create("dpo", "privacy_officer", None)).secret
    clear_file = tmp_path / "clear.csv"
    await run_cdp(
        settings,
        "export",
        "profiles",
        "--format",
        "csv",
        "--out",
        str(clear_file),
        "--api-key",
        clear_key,
    )
    return masked_file, clear_file


async def test_a_csv_of_profiles_then_exports_masked_or_clear(
    container: Container, settings: Settings, tmp_path: Path, resolving: None
) -> None:
    await container.sources.create("crm")
    path, mapping = _customers_csv(tmp_path)
    _, err = await run_cdp(
        settings, "import", str(path), "--source", "crm", "--format", "csv", "--map", str(mapping)
    )
    assert f"read {PROFILES + 1:,} rows: accepted {PROFILES:,}" in err and "rejected 1" in err, err
    assert await _settled(container, PROFILES) == PROFILES
    view = await container.profiles.profile_by_identifier("email", "person7@example.org")
    assert view is not None
    assert (await container.profiles.traits(view.id))["plan"] == "pro"

    masked_file, clear_file = await _export_masked_and_clear(container, settings, tmp_path)
    masked = [orjson.loads(line) for line in masked_file.read_text().splitlines()]
    assert len(masked) == PROFILES
    assert not any("person7@example.org" in json.dumps(r) for r in masked)
    assert any(
        i["value"].endswith("@example.org")
        for i in masked[0]["identifiers"]
        if i["type"] == "email"
    )
    with clear_file.open(encoding="utf-8") as exported:
        rows = list(csv.DictReader(exported))
    assert len(rows) == PROFILES
    assert any("email:person7@example.org" in r["identifiers"] for r in rows)
    assert {r["plan"] for r in rows} == {"pro", "free"}
    # Only the clear export is audited, once, under the key's name.
    audited = await container.audit.entries(action="profiles.exported")
    assert [(e.actor, e.details) for e in audited] == [
        ("privacy_officer:dpo", {"profiles": PROFILES})
    ]
