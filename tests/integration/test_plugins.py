"""Destination plugins found through their entry points: the example plugin in
plugins/example-destination delivers real batches; a broken plugin is reported and the
others still load."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.bootstrap import Container
from app.services.destinations import WebhookDestination
from app.services.plugins import load_plugins
from app.services.segments.engine import ProfileChanges
from tests.messages import message

pytestmark = pytest.mark.integration


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
