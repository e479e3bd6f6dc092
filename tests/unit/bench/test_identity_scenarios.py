"""The accuracy scenarios' own truth: canonical forms written apart from the platform's, two
truths derived only from who sent what, and a scorer that counts a missing identifier as an
error."""

from __future__ import annotations

import random

from bench.identity_scenarios import canon
from bench.identity_scenarios.catalog import CATALOG, build
from bench.identity_scenarios.model import Scenario, Script
from bench.identity_scenarios.score import score
from bench.identity_scenarios.truth import build_truth

START = 1_700_000_000.0


def test_canonical_forms_follow_the_providers_and_the_country_written_in() -> None:
    assert canon.email(" Jane.Doe+news@GoogleMail.com ") == "janedoe@gmail.com"
    assert canon.email("jane.doe+news@outlook.com") == "jane.doe@outlook.com"
    assert canon.email("jane.doe+news@example.org") == "jane.doe+news@example.org"
    assert canon.phone("07700 900123", "GB") == canon.phone("+44 7700 900123", None)
    assert canon.phone("07700 900123", None) != canon.phone("+447700900123", None)
    assert canon.phone("(415) 555-0100", "US") == "+14155550100"
    assert canon.canonical("user_id", " Ab ") == "Ab"


def _script() -> Script:
    return Script("t", START, random.Random(1))


def test_shared_and_junk_values_are_nobodys_and_unlogged_browsers_are_separate_parts() -> None:
    s = _script()
    a, b = s.person("a"), s.person("b")
    s.send(a, "identify", START, anon="anon-a", user="user-a", email="family@example.org")
    s.send(b, "identify", START, anon="anon-b", user="user-b", email="family@example.org")
    s.send(a, "identify", START, anon="anon-a", user="user-a", email="asdf@asdf.com",
           junk=("email",))  # fmt: skip
    s.send(a, "page", START, anon="anon-a2")  # never logs in there
    truth = build_truth([Scenario("t", "", "", s)])
    assert ("email", "family@example.org") not in truth.human
    assert ("email", "asdf@asdf.com") not in truth.human
    assert truth.shared == 1 and truth.junk == 1
    assert truth.human[("anonymous_id", "anon-a2")] == truth.human[("user_id", "user-a")]
    assert truth.linkable[("anonymous_id", "anon-a2")] != truth.linkable[("user_id", "user-a")]
    assert truth.linkable[("anonymous_id", "anon-a")] == truth.linkable[("user_id", "user-a")]


def test_a_login_people_share_joins_their_browsers_in_the_linkable_truth_only() -> None:
    """Nothing deterministic tells a shared login from one person's many browsers: one
    linkable part, as many humans as use it; the login itself is nobody's item."""
    s = _script()
    a, b = s.person("a"), s.person("b")
    s.send(a, "identify", START, anon="anon-a", user="team")
    s.send(b, "identify", START + 60, anon="anon-b", user="team")
    s.send(b, "identify", START + 120, anon="anon-b", user="user-b")  # b's own login too
    truth = build_truth([Scenario("t", "", "", s)])
    assert ("user_id", "team") not in truth.human
    assert truth.linkable[("anonymous_id", "anon-a")] == truth.linkable[("anonymous_id", "anon-b")]
    assert truth.human[("anonymous_id", "anon-a")] != truth.human[("anonymous_id", "anon-b")]
    # Two user ids stay two parts, as with any value two accounts share.
    assert truth.linkable[("user_id", "user-b")] != truth.linkable[("anonymous_id", "anon-a")]


def test_a_missing_identifier_is_an_error_not_left_out() -> None:
    s = _script()
    a = s.person("a")
    s.send(a, "identify", START, anon="x", user="u", email="u@example.org")
    truth = build_truth([Scenario("t", "", "", s)])
    whole = score({i: "p1" for i in truth.human}, truth)["all"]
    assert whole["linkable"]["pairwise"]["f1"] == 1.0 and whole["missing"] == 0
    placed = {i: ("p1" if i[0] != "email" else None) for i in truth.human}
    missing = score(placed, truth)["all"]
    assert missing["missing"] == 1
    assert missing["linkable"]["pairwise"]["recall"] == 1 / 3
    assert missing["linkable"]["pairwise"]["precision"] == 1.0


def test_every_scenario_builds_with_people_and_items_of_its_own() -> None:
    scenarios = build(list(CATALOG), 1, START)
    truth = build_truth(scenarios)
    assert set(truth.scenario_items) == set(CATALOG)
    assert all(s.size > 0 for s in scenarios)
    again = build_truth(build(list(CATALOG), 1, START))
    assert again.human.keys() == truth.human.keys()  # the same seed, the same traffic
