"""The device store: the in-memory fake answers device reads as the Neo4j store does."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass

import pytest

from app.adapters.stores.devices import Neo4jDeviceStore
from app.bootstrap import Container
from app.ports.devices import DeviceRow, DeviceStore
from tests.fakes.devices import FakeDeviceStore
from tests.messages import message
from tests.support.profiles import profile_id

pytestmark = pytest.mark.integration

T0 = 1_700_000_000.0


@dataclass
class DeviceBench:
    store: DeviceStore
    #: Mum and her son on a shared tablet, mum alone on her phone later; their profile ids.
    family: Callable[[], Awaitable[tuple[str, str]]]


def _memory() -> DeviceBench:
    fake = FakeDeviceStore()

    async def family() -> tuple[str, str]:
        facts = {"type": "ios", "model": "iPhone15,2"}
        tablet = DeviceRow("mum", "device:t", "device", T0, T0 + 1, 2, 2, facts)
        phone = DeviceRow("mum", "device:p", "device", T0 + 2, T0 + 2, 1, 1, facts)
        fake.rows += [tablet, phone, dataclasses.replace(tablet, profile="son")]
        return "mum", "son"

    return DeviceBench(fake, family)


@pytest.fixture(params=["memory", "neo4j"])
def bench(request: pytest.FixtureRequest) -> Iterator[DeviceBench]:
    if request.param == "memory":
        yield _memory()
        return
    container: Container = request.getfixturevalue("container")

    async def family() -> tuple[str, str]:
        await container.ingestion.ingest(
            [
                message("identify", user="mum", device="tablet", at=T0),
                message("identify", user="son", device="tablet", at=T0 + 1),
                message("identify", user="mum", device="phone", at=T0 + 2),
            ]
        )
        mum = await profile_id(container, "user_id", "mum")
        return mum, await profile_id(container, "user_id", "son")

    yield DeviceBench(Neo4jDeviceStore(container.identity), family)


async def test_the_devices_of_profiles_newest_first_with_who_shares_them(
    bench: DeviceBench,
) -> None:
    mum, son = await bench.family()
    rows = await bench.store.devices_of([son, mum, "nobody"])
    assert [(r.profile, r.last_seen, r.events, r.profiles) for r in rows] == sorted(
        [(mum, T0 + 2, 1, 1), (mum, T0 + 1, 2, 2), (son, T0 + 1, 2, 2)],
        key=lambda r: (r[0], -r[1]),
    )
    assert all(
        r.kind == "device" and r.facts == {"type": "ios", "model": "iPhone15,2"} for r in rows
    )
    assert len({r.key for r in rows}) == 2
    assert await bench.store.devices_of([]) == []
    assert await bench.store.devices_of(["nobody"]) == []
