"""Devices through the real ingestion: one `(:Device)` per device id or browser, its facts,
`SEEN_ON` edges from every identifier of its messages, shared devices. What makes no device
(a junk device id, an anonymous id alone) is tested on the in-memory graph
(tests/unit/services/identity/test_devices.py)."""

from __future__ import annotations

from typing import Any

import pytest

from app.bootstrap import Container
from app.domain.messages import TrackedMessage
from app.settings import Settings
from tests.messages import message, with_context
from tests.support.graphql import graphql_data
from tests.support.profiles import profile_id

pytestmark = pytest.mark.integration

T0 = 1_700_000_000.0
UA = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Safari/605.1.15"
)
PHONE = {
    "id": "d-phone-1",
    "name": "Jane's iPhone",
    "type": "ios",
    "manufacturer": "Apple",
    "model": "iPhone15,2",
}
APP = {"name": "Shop", "version": "3.2.1", "build": "321", "namespace": "com.example.shop"}
#: Tests only: every device with the identifier types seen on it and their SEEN_ON edges.


async def _devices(container: Container) -> list[dict[str, Any]]:
    return await container.graph.read("admin/devices_seen", ws=container.settings.workspace)


async def test_a_phone_and_a_browser_become_devices_with_their_facts(
    container: Container,
) -> None:
    app_open = with_context(
        message("screen", user="jane", anon="app-anon", at=T0),
        device=PHONE,
        os={"name": "iOS", "version": "17.4"},
        app=APP,
        screen={"width": 390, "height": 844, "density": 3},
    )
    web = with_context(message("page", anon="web-anon", at=T0 + 10), userAgent=UA)
    report = await container.ingestion.ingest([app_open, web])
    assert report.stored == 2

    phone, browser = await _devices(container)
    assert phone["labels"] == ["Device"] and browser["labels"] == ["Device"]
    props = phone["device"]
    assert props["kind"] == "device" and props["ws"] == container.settings.workspace
    assert (props["type"], props["manufacturer"], props["model"]) == ("ios", "Apple", "iPhone15,2")
    assert (props["os_name"], props["os_version"]) == ("iOS", "17.4")
    assert (props["app_name"], props["app_version"], props["app_build"]) == ("Shop", "3.2.1", "321")
    assert (props["screen_width"], props["screen_height"], props["screen_density"]) == (
        390,
        844,
        3.0,
    )
    assert (props["first_seen"], props["last_seen"], props["events"]) == (T0, T0, 1)
    # Every identifier of the message was seen on the phone, the device id included.
    assert phone["types"] == ["anonymous_id", "device_id", "user_id"]
    assert all(s == {"first_seen": T0, "last_seen": T0, "count": 1} for s in phone["seen"])

    web_props = browser["device"]
    assert web_props["kind"] == "browser"
    assert (web_props["browser_name"], web_props["os_name"]) == ("Safari", "Mac OS X")
    assert browser["types"] == ["anonymous_id"]

    # Nothing personal, and not the user agent (a fingerprint): facts only.
    stored = [str(v) for d in (phone, browser) for v in d["device"].values()]
    assert not [v for v in stored if "Jane" in v or "Mozilla" in v or "d-phone-1" in v]
    assert "name" not in props and "userAgent" not in web_props
    # The device identifier no longer carries the facts nor the label.
    everything = await container.graph.read("admin/all_properties")
    assert not [p for p in everything if "device_model" in p["props"]]


async def test_counts_and_times_accumulate_and_the_latest_facts_win(
    container: Container,
) -> None:
    def opened(at: float, version: str) -> TrackedMessage:
        return with_context(
            message(anon="app-anon", at=at), device=PHONE, os={"name": "iOS", "version": version}
        )

    await container.ingestion.ingest([opened(T0 + 10, "17.4"), opened(T0 + 20, "17.5")])
    await container.ingestion.ingest([opened(T0 + 30, "18.0")])
    # A late message from before (an offline app catching up) changes no fact.
    await container.ingestion.ingest([opened(T0, "16.0")])
    [phone] = await _devices(container)
    props = phone["device"]
    assert (props["first_seen"], props["last_seen"], props["events"]) == (T0, T0 + 30, 4)
    assert props["os_version"] == "18.0"
    assert sorted((s["count"], s["first_seen"], s["last_seen"]) for s in phone["seen"]) == [
        (4, T0, T0 + 30),
        (4, T0, T0 + 30),
    ]
    # A replayed message is a duplicate: it counts nothing twice.
    replay = opened(T0 + 40, "18.0")
    await container.ingestion.ingest([replay])
    await container.ingestion.ingest([replay])
    [phone] = await _devices(container)
    assert phone["device"]["events"] == 5


async def test_a_shared_tablet_is_one_device_seen_with_two_profiles(
    container: Container,
) -> None:
    tablet = {**PHONE, "id": "family-tablet", "model": "iPad13,1"}
    await container.ingestion.ingest(
        [with_context(message("identify", user="mum", anon="mum-anon", at=T0), device=tablet)]
    )
    await container.ingestion.ingest(
        [with_context(message("identify", user="son", anon="son-anon", at=T0 + 5), device=tablet)]
    )
    mum = await profile_id(container, "user_id", "mum")
    son = await profile_id(container, "user_id", "son")
    assert mum != son
    [device] = await _devices(container)
    assert device["device"]["events"] == 2
    assert device["types"] == [
        "anonymous_id",
        "anonymous_id",
        "device_id",
        "user_id",
        "user_id",
    ]

    found = await container.devices.devices_of([mum, son])
    assert [(d.kind, d.facts["model"], d.profiles) for d in found[mum]] == [
        ("device", "iPad13,1", 2)
    ]
    assert [d.profiles for d in found[son]] == [2]

    rows = await container.graph.read(
        "explore/shared_devices", ws=container.settings.workspace, limit=10.0
    )
    assert [(r["kind"], r["model"], r["profiles"], r["events"]) for r in rows] == [
        ("device", "iPad13,1", 2, 2)
    ]
    assert {p["id"] for p in rows[0]["profile_nodes"]} == {mum, son}
    assert len(rows[0]["seen"]) == len(rows[0]["identifiers"]) == 5

    # A device seen with one profile only is not shared.
    await container.ingestion.ingest(
        [with_context(message(anon="solo-anon", at=T0 + 9), userAgent=UA)]
    )
    rows = await container.graph.read(
        "explore/shared_devices", ws=container.settings.workspace, limit=10.0
    )
    assert len(rows) == 1


async def test_a_merge_brings_the_devices_along(container: Container) -> None:
    await container.ingestion.ingest([with_context(message(anon="web-anon", at=T0), userAgent=UA)])
    await container.ingestion.ingest(
        [with_context(message(user="jane", anon="app-anon", at=T0 + 1), device=PHONE)]
    )
    await container.ingestion.ingest([message("identify", user="jane", anon="web-anon", at=T0 + 2)])
    jane = await profile_id(container, "user_id", "jane")
    found = (await container.devices.devices_of([jane]))[jane]
    assert sorted(d.kind for d in found) == ["browser", "device"]
    assert all(d.profiles == 1 for d in found)


async def test_the_subject_export_lists_the_devices(container: Container) -> None:
    await container.ingestion.ingest(
        [with_context(message("identify", user="jane", at=T0), device=PHONE, app=APP)]
    )
    document = await container.exporter.export("user_id", "jane", "dpo")
    assert document["devices"] == [
        {
            "kind": "device",
            "first_seen": T0,
            "last_seen": T0,
            "events": 1,
            "shared_with_profiles": 0,
            "facts": {
                "type": "ios",
                "manufacturer": "Apple",
                "model": "iPhone15,2",
                "app_name": "Shop",
                "app_version": "3.2.1",
                "app_build": "321",
                "app_namespace": "com.example.shop",
            },
        }
    ]


PROFILE_DEVICES = """
query ($type: String!, $value: String!) {
  profileByIdentifier(type: $type, value: $value) {
    devices {
      kind type manufacturer model family
      os { name version } app { name version build namespace } browser { name version }
      screen { width height density }
      firstSeen lastSeen events profiles
    }
  }
}"""


async def test_profile_devices_in_graphql(
    container: Container, api_url: str, settings: Settings
) -> None:
    tablet = {**PHONE, "id": "family-tablet", "model": "iPad13,1"}
    await container.ingestion.ingest(
        [
            with_context(
                message("identify", user="mum", at=T0),
                device=tablet,
                os={"name": "iPadOS", "version": "17.4"},
                screen={"width": 820, "height": 1180},
            ),
            with_context(message("page", anon="mum-web", at=T0 + 1), userAgent=UA),
            message("identify", user="mum", anon="mum-web", at=T0 + 2),
        ]
    )
    await container.ingestion.ingest(
        [with_context(message("identify", user="son", at=T0 + 5), device=tablet)]
    )
    key = settings.admin_api_key.get_secret_value()
    data = await graphql_data(api_url, key, PROFILE_DEVICES, type="user_id", value="mum")
    ipad, browser = data["profileByIdentifier"]["devices"]  # newest first
    assert ipad == {
        "kind": "device",
        "type": "ios",
        "manufacturer": "Apple",
        "model": "iPad13,1",
        "family": None,
        "os": {"name": "iPadOS", "version": "17.4"},
        "app": None,
        "browser": None,
        "screen": {"width": 820, "height": 1180, "density": None},
        "firstSeen": T0,
        "lastSeen": T0 + 5,
        "events": 2,
        "profiles": 2,
    }
    assert browser["kind"] == "browser" and browser["profiles"] == 1
    assert browser["browser"] == {"name": "Safari", "version": "17.4"}
    assert browser["os"] == {"name": "Mac OS X", "version": "10.15.7"}
    assert (browser["events"], browser["firstSeen"], browser["lastSeen"]) == (1, T0 + 1, T0 + 1)
    son = await graphql_data(api_url, key, PROFILE_DEVICES, type="user_id", value="son")
    assert [d["profiles"] for d in son["profileByIdentifier"]["devices"]] == [2]
