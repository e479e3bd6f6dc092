"""Plugins found through their entry points: the example plugins in
plugins/example-destination (a destination, a journey action, a source format) work end to
end; a broken plugin is reported and the others still load."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.bootstrap import Container
from app.domain.access import Capability, Principal, Role
from app.errors import InvalidInput
from app.services.changes.profile_changes import ProfileChanges
from app.services.engagement.destinations import WebhookDestination
from app.services.integrations.plugins import load_plugins
from tests.messages import message

pytestmark = pytest.mark.integration

ADMIN = Principal("test-admin", "tester", Role.ADMIN)


@pytest.fixture
def broken_distribution(tmp_path: Path) -> Iterator[None]:
    """A distribution on sys.path whose entry points lead nowhere useful."""
    info = tmp_path / "cdp_broken_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: cdp-broken-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        "[graph_cdp.destinations]\n"
        "missing = cdp_no_such_module:Destination\n"
        "shapeless = json:dumps\n"
        "[graph_cdp.actions]\n"
        "overreaching = cdp_broken_actions:Overreaching\n"
        "loose_fields = cdp_broken_actions:LooseFields\n"
        "odd_kind = cdp_broken_actions:OddKind\n"
        "open_to_marketers = cdp_broken_actions:OpenToMarketers\n"
    )
    (tmp_path / "cdp_broken_actions.py").write_text(
        "class _Action:\n"
        "    def validate(self, params): pass\n"
        "    async def run(self, profile_id, params, ctx): return {}\n"
        "class Overreaching(_Action):\n"
        "    kind, capability = 'overreaching', 'root'\n"
        "class LooseFields(_Action):\n"
        "    kind, fields = 'loose_fields', 'path'\n"
        "class OddKind(_Action):\n"
        "    kind = '../odd'\n"
        "class OpenToMarketers(_Action):\n"
        "    kind, capability = 'open_to_marketers', 'segments'\n"
    )
    sys.path.insert(0, str(tmp_path))
    try:
        yield
    finally:
        sys.path.remove(str(tmp_path))


def test_a_broken_plugin_is_reported_and_the_rest_still_load(broken_distribution: None) -> None:
    registry = load_plugins([WebhookDestination()])
    assert {"webhook", "ndjson_file"} <= set(registry.destinations)
    assert "cdp-example-destination" in registry.origin["ndjson_file"]
    assert registry.broken["missing"].startswith("ModuleNotFoundError")
    assert "needs a `kind`" in registry.broken["shapeless"]
    # Action plugins: a capability that is not one, fields that are not a collection of names,
    # a kind that is not a plain name are refused; without `fields` an action takes none, and
    # only what it declares opens it to roles other than admin.
    assert "`capability` must be one of" in registry.broken["overreaching"]
    assert "`fields` must be a collection" in registry.broken["loose_fields"]
    assert "lower case letters" in registry.broken["odd_kind"]
    rules = registry.action_rules["open_to_marketers"]
    assert (rules.capability, rules.fields) == (Capability.SEGMENTS, frozenset())
    assert registry.action_rules["example_note"].capability == Capability.ADMIN
    assert registry.action_rules["example_note"].fields == {"note"}


async def test_the_example_plugin_delivers_through_its_entry_point(
    container: Container, tmp_path: Path
) -> None:
    assert "ndjson_file" in container.destinations.plugins.destinations
    out = tmp_path / "copy.ndjson"
    await container.destinations.save(
        {"name": "copy", "kind": "ndjson_file", "config": {"path": str(out)}, "topics": ["events"]},
        "tester",
    )
    await container.destinations.set_active("copy", True)
    await container.ingestion.ingest([message(user="plug", event="Plugged")])
    view = await container.profiles.profile_by_identifier("user_id", "plug")
    assert view is not None
    await container.destinations.enqueue(ProfileChanges(events={view.id: {"Plugged"}}), [])
    assert await container.destinations.deliver_all() == 1
    [line] = out.read_text().splitlines()
    assert json.loads(line)["event"] == "Plugged"


async def test_a_source_plugin_feeds_the_pipeline(container: Container, api_url: str) -> None:
    created = await container.sources.create("shop")
    auth = (created.write_key, "")
    async with httpx.AsyncClient(base_url=api_url) as client:
        ok = await client.post(
            "/v1/sources/simple_orders",
            json={
                "orders": [
                    {"customer": "buyer-1", "id": "o-1", "total": 12.5},
                    {"customer": "buyer-2", "id": "o-2", "total": 3},
                ]
            },
            auth=auth,
        )
        bad = await client.post("/v1/sources/simple_orders", json={"orders": [{}]}, auth=auth)
        unknown = await client.post("/v1/sources/nope", json={}, auth=auth)
    assert ok.status_code == 200, ok.text
    assert (bad.status_code, bad.json()["message"]) == (
        400,
        "simple_orders: orders[0].customer: required",
    )
    assert unknown.status_code == 404
    resolver = container.resolver("plugin-test")
    await container.stream.ensure_group()
    await resolver.step(block_ms=100)
    view = await container.profiles.profile_by_identifier("user_id", "buyer-1")
    assert view is not None and await container.profiles.event_count(view.id) == 1


async def test_an_action_plugin_runs_in_a_journey(container: Container) -> None:
    notes = (
        container.settings.local_dir
        / "plugins"
        / container.settings.workspace
        / "example_note"
        / "notes.ndjson"
    )
    before = notes.read_text().splitlines() if notes.exists() else []
    await container.ingestion.ingest([message(user="noted")])
    view = await container.profiles.profile_by_identifier("user_id", "noted")
    assert view is not None
    await container.journeys.save(
        {
            "name": "note_it",
            "trigger": {"event": "Noted"},
            "start": "note",
            "steps": {"note": {"type": "action", "action": {"kind": "example_note", "note": "hi"}}},
        },
        ADMIN,
    )
    await container.journeys.set_active("note_it", True, ADMIN)
    await container.journeys.on_changes(ProfileChanges(events={view.id: {"Noted"}}), [])
    [run] = await container.journeys.runs_of(view.id)
    assert await container.journeys.step(run.id, 0) == "completed"
    [line] = notes.read_text().splitlines()[len(before) :]
    assert json.loads(line)["note"] == "hi"
    assert container.journeys.plugins is not None
    assert container.journeys.plugins.action_rules["example_note"].capability == "admin"
    for action, problem in [
        ({"kind": "example_note"}, "steps.a.action: note: a non-empty text"),
        (
            {"kind": "example_note", "note": "x", "path": "/tmp/x"},
            "steps.a.action.path: not a field of example_note (it takes purpose, note)",
        ),
    ]:
        with pytest.raises(InvalidInput) as caught:
            await container.journeys.validate(
                {
                    "name": "x",
                    "trigger": {"event": "E"},
                    "start": "a",
                    "steps": {"a": {"type": "action", "action": action}},
                }
            )
        assert str(caught.value).startswith(problem), str(caught.value)
