"""Devices on the in-memory identity graph: what ingestion makes no device of (a junk device
id, a server call with an anonymous id alone), and the events that land all the same. The
devices it does make, with their facts and SEEN_ON edges, are tested on Neo4j
(tests/integration/identity/test_devices.py)."""

from __future__ import annotations

import pytest

from tests.fakes.identity_graph import InMemoryIdentityGraph
from tests.messages import message, with_context
from tests.support.identity_reads import event_count
from tests.support.identity_world import IdentityWorld

T0 = 1_700_000_000.0
PHONE = {
    "id": "d-phone-1",
    "name": "Jane's iPhone",
    "type": "ios",
    "manufacturer": "Apple",
    "model": "iPhone15,2",
}


async def test_a_phone_with_its_device_id_is_a_device(
    world: IdentityWorld, graph: InMemoryIdentityGraph
) -> None:
    """What the two tests below show is missing is there when it should be."""
    await world.ingest(with_context(message(user="u-1", anon="anon-1", at=T0), device=PHONE))
    assert len(graph.state.devices) == 1


async def test_a_server_call_with_an_anonymous_id_alone_is_no_device(
    world: IdentityWorld, graph: InMemoryIdentityGraph
) -> None:
    await world.ingest(message(user="u-1", anon="anon-1", at=T0))
    assert graph.state.devices == {}


@pytest.mark.parametrize(
    "junk",
    ["00000000-0000-0000-0000-000000000000", "9774d56d682e549c", "02:00:00:00:00:00", "UNKNOWN"],
)
async def test_a_junk_device_id_links_nobody_and_the_events_land(
    world: IdentityWorld, graph: InMemoryIdentityGraph, junk: str
) -> None:
    report = await world.ingest(
        with_context(message("identify", user="ann", at=T0), device={**PHONE, "id": junk}),
        with_context(message("identify", user="bob", at=T0 + 1), device={**PHONE, "id": junk}),
    )
    assert report.stored == 2
    assert report.dropped_identifiers == {"blocked:device_id": 2}
    ann = await world.profile_id("user_id", "ann")
    bob = await world.profile_id("user_id", "bob")
    assert ann != bob
    assert await world.found("device_id", junk) is None
    assert event_count(graph, ann) == 1
    assert event_count(graph, bob) == 1
    # Without a usable device id or anonymous id, no device either.
    assert graph.state.devices == {}
