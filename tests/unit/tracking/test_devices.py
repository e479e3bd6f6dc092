"""Device facts from a message's context: parsed, bounded, junk-tolerant, never personal."""

from __future__ import annotations

from typing import Any

import pytest

from app.domain.devices import (
    FACT_LIMIT,
    FACT_NAMES,
    UA_LIMIT,
    _parse_user_agent,
    device_facts,
    device_key,
    fact_text,
)

IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Mobile Safari/537.36"
)
WINDOWS_FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0"


def test_a_mobile_user_agent_becomes_browser_system_and_device() -> None:
    assert device_facts({"userAgent": IPHONE_SAFARI}) == {
        "browser_name": "Mobile Safari",
        "browser_version": "17.4",
        "os_name": "iOS",
        "os_version": "17.4",
        "family": "iPhone",
        "manufacturer": "Apple",
        "model": "iPhone",
    }


def test_an_android_user_agent_names_the_brand_and_model() -> None:
    facts = device_facts({"userAgent": ANDROID_CHROME})
    assert facts["browser_name"] == "Chrome Mobile"
    assert facts["browser_version"] == "124.0.0"
    assert (facts["os_name"], facts["os_version"]) == ("Android", "14")
    assert (facts["manufacturer"], facts["model"]) == ("Samsung", "SM-S918B")


def test_a_desktop_has_no_device_family() -> None:
    """ua-parser's "Other" is not a fact."""
    facts = device_facts({"userAgent": WINDOWS_FIREFOX})
    assert facts == {
        "browser_name": "Firefox",
        "browser_version": "125.0",
        "os_name": "Windows",
        "os_version": "10",
    }


def test_stated_facts_win_over_the_user_agent_and_the_name_is_never_read() -> None:
    context = {
        "userAgent": IPHONE_SAFARI,
        "device": {
            "id": "d-1",
            "name": "Jane's iPhone",
            "type": "ios",
            "manufacturer": "Apple",
            "model": "iPhone15,2",
            "advertisingId": "ad-1",
        },
        "os": {"name": "iOS", "version": "17.4.1"},
        "app": {"name": "Shop", "version": "3.2.1", "build": 321, "namespace": "com.example"},
        "screen": {"width": 390, "height": 844.0, "density": 3},
    }
    facts = device_facts(context)
    assert facts["model"] == "iPhone15,2"
    assert facts["os_version"] == "17.4.1"
    assert facts["type"] == "ios"
    assert (facts["app_name"], facts["app_build"], facts["app_namespace"]) == (
        "Shop",
        "321",
        "com.example",
    )
    assert (facts["screen_width"], facts["screen_height"], facts["screen_density"]) == (
        390,
        844,
        3.0,
    )
    assert set(facts) <= set(FACT_NAMES)
    assert all("Jane" not in str(v) for v in facts.values())
    assert "d-1" not in facts.values() and "ad-1" not in facts.values()


@pytest.mark.parametrize(
    "context",
    [
        {},
        {"device": "ios", "os": 12, "app": ["x"], "screen": None},
        {"device": {"model": {"nested": [1, 2, {"deep": True}]}, "type": True}},
        {"os": {"name": None, "version": []}},
        {"screen": {"width": -1, "height": 0, "density": "a lot"}},
        {"screen": {"width": float("nan"), "height": float("inf"), "density": 1e9}},
        {"screen": {"width": True, "height": "wide"}},
        {"userAgent": 42},
        {"userAgent": ["Mozilla/5.0"]},
        {"userAgent": "   "},
    ],
)
def test_junk_is_ignored(context: dict[str, Any]) -> None:
    assert device_facts(context) == {}


def test_numbers_where_strings_are_expected_are_kept_as_text() -> None:
    facts = device_facts({"device": {"model": 15}, "app": {"version": 3.5}})
    assert facts == {"model": "15", "app_version": "3.5"}


def test_screen_sizes_may_be_numeric_strings() -> None:
    facts = device_facts({"screen": {"width": "1920", "height": " 1080 ", "density": "2"}})
    assert facts == {"screen_width": 1920, "screen_height": 1080, "screen_density": 2.0}


def test_huge_values_are_cut_and_control_characters_dropped() -> None:
    facts = device_facts({"device": {"model": "A\x00B\n" + "x" * 100_000}})
    model = facts["model"]
    assert isinstance(model, str)
    assert len(model) == FACT_LIMIT
    assert model.startswith("ABx")
    assert fact_text("\x00\x01") is None


def test_a_huge_user_agent_is_parsed_from_its_start_only() -> None:
    facts = device_facts({"userAgent": IPHONE_SAFARI + "x" * 1_000_000})
    assert facts["os_name"] == "iOS"
    assert device_facts({"userAgent": "x" * 1_000_000}) == {}


def test_parses_are_cached() -> None:
    _parse_user_agent.cache_clear()
    for _ in range(3):
        device_facts({"userAgent": ANDROID_CHROME})
    info = _parse_user_agent.cache_info()
    assert (info.misses, info.hits) == (1, 2)


def test_the_cache_holds_user_agents_cut_to_their_limit() -> None:
    # Two huge, different strings with the same start are one entry of at most UA_LIMIT.
    start = IPHONE_SAFARI + " " * UA_LIMIT
    _parse_user_agent.cache_clear()
    device_facts({"userAgent": start + "x" * 1_000_000})
    device_facts({"userAgent": start + "y" * 1_000_000})
    info = _parse_user_agent.cache_info()
    assert (info.misses, info.hits) == (1, 1)


def test_the_device_key_derives_from_the_identifier_key() -> None:
    assert device_key("ws:device_id:k1:abc") == "device:ws:device_id:k1:abc"
    assert device_key("ws:anonymous_id:k1:abc") != device_key("ws:device_id:k1:abc")
