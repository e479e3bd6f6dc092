"""Well-known junk device ids are blocked by default (and by the shipped configuration), and
a message carrying one still tells its device facts."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.configuration import load_rules
from app.domain.identity import BlockList, IdentityRules, NormalisedIdentifier, normalise
from app.domain.messages import Dropped, TrackedMessage, identify_message

REPO = Path(__file__).resolve().parents[3]

JUNK = [
    "00000000-0000-0000-0000-000000000000",  # a zeroed IDFA or GAID (tracking not allowed)
    "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF",
    "9774d56d682e549c",  # the ANDROID_ID of many Android 2.2 phones
    "9774D56D682E549C",
    "02:00:00:00:00:00",  # the MAC address Android 6+ and iOS 7+ report
    "00:00:00:00:00:00",
    "ff:ff:ff:ff:ff:ff",
    "0123456789ABCDEF",
    "unknown",
    "UNKNOWN",
    "Unknown",
]
REAL = [
    "6D92078A-8246-4BA4-AE5B-76104861E7DC",
    "38400000-8cf0-11bd-b23e-10b96e40000d",
    "9774d56d682e549d",
    "02:00:00:00:00:01",
    "a1b2c3d4e5f60718",
]


@pytest.mark.parametrize("value", JUNK)
def test_junk_device_ids_are_blocked(value: str) -> None:
    ident = NormalisedIdentifier("device_id", normalise("device_id", value, None))
    assert BlockList.default().is_blocked(ident, raw=value)


@pytest.mark.parametrize("value", REAL)
def test_real_device_ids_are_not(value: str) -> None:
    ident = NormalisedIdentifier("device_id", normalise("device_id", value, None))
    assert not BlockList.default().is_blocked(ident, raw=value)


def test_the_shipped_configuration_blocks_the_same() -> None:
    shipped = load_rules(REPO / "config" / "identity.yaml")
    assert shipped == IdentityRules()
    for value in JUNK:
        ident = NormalisedIdentifier("device_id", value)
        assert BlockList.from_rules(shipped).is_blocked(ident, raw=value), value


def _message(device: dict[str, object], anon: str | None = "anon-1") -> TrackedMessage:
    return TrackedMessage(
        message_id="m-1",
        type="track",
        source_id="src",
        received_at=1.0,
        timestamp=1.0,
        anonymous_id=anon,
        event="Opened",
        context={"device": device, "os": {"name": "Android", "version": "14"}},
    )


def test_a_junk_device_id_is_dropped_and_the_browser_keeps_the_facts() -> None:
    rules = IdentityRules()
    found = identify_message(
        _message({"id": "9774d56d682e549c", "model": "Pixel 8"}), rules, BlockList.default()
    )
    assert [i.type for i in found.identifiers] == ["anonymous_id"]
    assert found.dropped == (Dropped("device_id", "blocked"),)
    assert found.device is not None
    assert (found.device.kind, found.device.identifier.type) == ("browser", "anonymous_id")
    assert found.device.facts["model"] == "Pixel 8"


def test_a_junk_device_id_alone_names_no_device() -> None:
    found = identify_message(
        _message({"id": "00000000-0000-0000-0000-000000000000"}, anon=None),
        IdentityRules(),
        BlockList.default(),
    )
    assert found.identifiers == () and found.device is None


def test_a_usable_device_id_names_the_device_and_the_name_is_not_a_fact() -> None:
    found = identify_message(
        _message({"id": "d-1", "name": "Jane's Pixel", "model": "Pixel 8"}),
        IdentityRules(),
        BlockList.default(),
    )
    assert found.device is not None
    assert (found.device.kind, found.device.identifier) == (
        "device",
        NormalisedIdentifier("device_id", "d-1"),
    )
    assert "Jane's Pixel" not in found.device.facts.values()


def test_an_anonymous_id_without_any_device_fact_names_no_browser() -> None:
    message = TrackedMessage(
        message_id="m-2",
        type="track",
        source_id="src",
        received_at=1.0,
        timestamp=1.0,
        anonymous_id="anon-1",
        event="Server side",
        context={"library": {"name": "analytics-python"}},
    )
    assert identify_message(message, IdentityRules(), BlockList.default()).device is None
