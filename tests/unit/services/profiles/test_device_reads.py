"""Devices of profiles through the service, on the in-memory store."""

from __future__ import annotations

from app.domain.devices import Fact
from app.ports.devices import DeviceRow
from app.services.profiles.devices import DeviceService
from tests.fakes.devices import FakeDeviceStore

FACTS: dict[str, Fact] = {
    "screen_width": 390,
    "model": "iPhone15,2",
    "os_name": "iOS",
    "type": "ios",
}


def _service() -> tuple[DeviceService, FakeDeviceStore]:
    store = FakeDeviceStore(
        [
            DeviceRow("p-1", "device:a", "device", 1.0, 5.0, 3, 2, FACTS),
            DeviceRow("p-1", "device:b", "browser", 2.0, 9.0, 1, 1, {}),
            DeviceRow("p-2", "device:a", "device", 1.0, 5.0, 3, 2, FACTS),
        ]
    )
    return DeviceService(store), store


async def test_many_profiles_cost_one_read_and_each_gets_its_own_newest_first() -> None:
    service, store = _service()
    found = await service.devices_of(["p-2", "p-1", "p-3"])
    assert store.reads == [["p-1", "p-2", "p-3"]]
    assert [d.key for d in found["p-1"]] == ["device:b", "device:a"]
    assert [d.key for d in found["p-2"]] == ["device:a"]
    assert found["p-3"] == []


async def test_the_export_lists_facts_in_order_and_who_else_used_the_device() -> None:
    service, _ = _service()
    browser, tablet = await service.export("p-1")
    assert browser == {
        "kind": "browser",
        "first_seen": 2.0,
        "last_seen": 9.0,
        "events": 1,
        "shared_with_profiles": 0,
        "facts": {},
    }
    assert tablet["shared_with_profiles"] == 1
    assert list(tablet["facts"]) == ["type", "model", "os_name", "screen_width"]
