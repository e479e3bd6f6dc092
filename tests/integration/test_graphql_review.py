"""The review queue through GraphQL over real HTTP: listed with its explanation, decided, and
every wrong decision answered with a result naming the problem."""

from __future__ import annotations

import pytest

from app.bootstrap import Container
from app.settings import Settings
from tests.support.graphql import graphql_body, graphql_data
from tests.support.review import household

pytestmark = pytest.mark.integration

T0 = 1_700_000_000.0

SUGGESTION = """
  id kind status label explanation createdAt rule probability weight
  verdicts { field level weight }
  identifiers { key type profileId generic blocked }
  profileIds decidedAt decidedBy note
"""
LIST = f"""
query ($status: SuggestionStatus, $kind: SuggestionKind, $limit: Int! = 50) {{
  suggestions(status: $status, kind: $kind, limit: $limit) {{ {SUGGESTION} }}
}}"""
RESULT = f"""
    __typename
    ... on SuggestionDecided {{ profileId suggestion {{ {SUGGESTION} }} }}
    ... on SuggestionRefused {{ reason suggestion {{ id status }} }}
    ... on SuggestionNotFound {{ message }}
    ... on SuggestionClosed {{ message }}
"""
ACCEPT = f"""
mutation ($id: String!, $note: String) {{ acceptSuggestion(id: $id, note: $note) {{ {RESULT} }} }}
"""
DISMISS = f"""
mutation ($id: String!) {{ dismissSuggestion(id: $id) {{ {RESULT} }} }}
"""


@pytest.fixture
def admin(settings: Settings) -> str:
    return settings.admin_api_key.get_secret_value()


async def _household(container: Container) -> None:
    await household(container)
    await container.conflict_sweep.sweep()


async def test_a_conflict_is_listed_explained_and_accepted(
    container: Container, api_url: str, admin: str
) -> None:
    await _household(container)
    listed = (await graphql_data(api_url, admin, LIST))["suggestions"]
    assert len(listed) == 1
    s = listed[0]
    assert (s["kind"], s["status"], s["label"]) == ("CONTENDED_IDENTIFIER", "OPEN", "Conflict")
    assert s["rule"] == "type_cap:user_id"
    assert "Accept joins the two profiles" in s["explanation"]
    assert len(s["profileIds"]) == 2
    # Keys and types only: no value of anyone appears anywhere in the answer.
    assert "mum" not in str(listed) and "family@" not in str(listed)

    done = (await graphql_data(api_url, admin, ACCEPT, id=s["id"], note="checked by phone"))[
        "acceptSuggestion"
    ]
    assert done["__typename"] == "SuggestionDecided"
    decided = done["suggestion"]
    assert (decided["status"], decided["note"]) == ("ACCEPTED", "checked by phone")
    assert decided["decidedBy"]
    assert decided["profileIds"] == [done["profileId"]]

    again = (await graphql_data(api_url, admin, DISMISS, id=s["id"]))["dismissSuggestion"]
    assert again["__typename"] == "SuggestionClosed"
    assert "already accepted" in again["message"]
    assert (await graphql_data(api_url, admin, LIST))["suggestions"] == []
    closed = (await graphql_data(api_url, admin, LIST, status="ACCEPTED"))["suggestions"]
    assert [c["id"] for c in closed] == [s["id"]]


async def test_unknown_ids_and_bad_limits_are_named(
    container: Container, api_url: str, admin: str
) -> None:
    for mutation, name in ((ACCEPT, "acceptSuggestion"), (DISMISS, "dismissSuggestion")):
        found = (await graphql_data(api_url, admin, mutation, id="no-such-id"))[name]
        assert found["__typename"] == "SuggestionNotFound"
        assert "no suggestion" in found["message"]
    assert (await graphql_data(api_url, admin, '{ suggestion(id: "x") { id } }')) == {
        "suggestion": None
    }
    body = await graphql_body(api_url, admin, LIST, limit=0)
    assert "limit must be between 1 and 1000" in body["errors"][0]["message"]


async def test_a_dismissed_conflict_is_listed_as_dismissed(
    container: Container, api_url: str, admin: str
) -> None:
    await _household(container)
    (s,) = (await graphql_data(api_url, admin, LIST, kind="CONTENDED_IDENTIFIER"))["suggestions"]
    done = (await graphql_data(api_url, admin, DISMISS, id=s["id"]))["dismissSuggestion"]
    assert done["__typename"] == "SuggestionDecided"
    assert done["suggestion"]["status"] == "DISMISSED"
    assert len(set(done["suggestion"]["profileIds"])) == 2


REPORT = """
{ identityReport {
    thresholds { genericDegree genericRivals totalCap typeCaps { name count }
                 capWindowDays { type days }
                 reassignedAfterDays { type days } botEvents botWindowHours }
    refusedLinks { name count } genericIdentifiers { name count }
    suggestions { kind status count } } }
"""


async def test_the_identity_report_counts_what_was_caught(
    container: Container, api_url: str, admin: str
) -> None:
    await _household(container)
    report = (await graphql_data(api_url, admin, REPORT))["identityReport"]
    assert report["thresholds"]["genericDegree"] == container.rules.generic_degree
    assert {"type": "phone", "days": 90.0} in report["thresholds"]["reassignedAfterDays"]
    assert report["thresholds"]["capWindowDays"] == [{"type": "anonymous_id", "days": 7.0}]
    assert (report["thresholds"]["botEvents"], report["thresholds"]["botWindowHours"]) == (1000, 24)
    assert {"name": "type_cap:user_id", "count": 1} in report["refusedLinks"]
    assert report["genericIdentifiers"] == []
    assert report["suggestions"] == [{"kind": "CONTENDED_IDENTIFIER", "status": "OPEN", "count": 1}]
