"""Erasure and devices: a device seen only on the subject's identifiers goes with them, a shared
one stays, detached from hers, and nothing of hers comes back."""

from __future__ import annotations

import pytest

from app.bootstrap import Container
from app.domain.messages import TrackedMessage
from tests.messages import message, with_context
from tests.support.profiles import profile_id

pytestmark = pytest.mark.integration

T0 = 1_700_000_000.0
UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"
)
#: Tests only: every device, with the identifier types seen on it.


def _mum() -> list[TrackedMessage]:
    return [
        # The family tablet, which the son uses too.
        with_context(
            message("identify", user="mum-7", anon="mum-app", email="mum@family.example", at=T0),
            device={"id": "family-tablet", "model": "iPad13,1", "name": "Mum's iPad"},
        ),
        # Her own phone and her own browser.
        with_context(
            message("identify", user="mum-7", at=T0 + 1),
            device={"id": "mum-phone", "model": "Pixel 8"},
        ),
        with_context(message("page", anon="mum-web", at=T0 + 2), userAgent=UA),
        message("identify", user="mum-7", anon="mum-web", at=T0 + 3),
    ]


async def _devices(container: Container) -> dict[str | None, list[str]]:
    rows = await container.graph.read("admin/devices_seen", ws=container.settings.workspace)
    return {r["device"].get("model") or r["device"]["kind"]: r["types"] for r in rows}


async def _no_enqueue(request_id: str) -> None:
    return None


async def test_erasure_deletes_her_devices_and_detaches_the_shared_one(
    container: Container,
) -> None:
    await container.ingestion.ingest(_mum())
    await container.ingestion.ingest(
        [
            with_context(
                message("identify", user="son-3", at=T0 + 10),
                device={"id": "family-tablet", "model": "iPad13,1"},
            )
        ]
    )
    mum, son = (
        await profile_id(container, "user_id", "mum-7"),
        await profile_id(container, "user_id", "son-3"),
    )
    assert mum != son
    assert await _devices(container) == {
        "iPad13,1": ["anonymous_id", "device_id", "email", "user_id", "user_id"],
        "Pixel 8": ["device_id", "user_id"],
        "browser": ["anonymous_id"],
    }
    her_keys = [
        await container.curation.find_key(t, v)
        for t, v in [("device_id", "mum-phone"), ("anonymous_id", "mum-web"), ("user_id", "mum-7")]
    ]
    assert all(her_keys)

    request = await container.erasure.request("user_id", "mum-7", "dpo", "art. 17", _no_enqueue)
    assert (await container.erasure.run(request.id)).status == "completed"

    # Her phone and her browser are gone; the tablet stays, seen now only by the son and its
    # own device id (kept: it was shared).
    assert await _devices(container) == {"iPad13,1": ["device_id", "user_id"]}
    found = await container.devices.devices_of([son])
    assert [(d.facts["model"], d.profiles, d.events) for d in found[son]] == [("iPad13,1", 1, 2)]
    # None of her keyed hashes is left anywhere (a device key derives from an identifier's).
    props = await container.graph.read("admin/all_properties")
    hashes = [str(k).rsplit(":", 1)[1] for k in her_keys]
    assert not [
        p for p in props if "request" not in p["props"] for h in hashes if h in str(p["props"])
    ]

    # Nothing comes back: her phone and her browser are suppressed, so their messages are
    # dropped whole and make no device.
    late = await container.ingestion.ingest(
        [
            with_context(message(user="son-3", at=T0 + 20), device={"id": "mum-phone"}),
            with_context(message("page", anon="mum-web", at=T0 + 21), userAgent=UA),
        ]
    )
    assert (late.stored, late.suppressed) == (0, 2)
    assert await _devices(container) == {"iPad13,1": ["device_id", "user_id"]}
