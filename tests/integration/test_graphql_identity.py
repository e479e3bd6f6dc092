"""The identity GraphQL API over real HTTP: reads, explanations and curation mutations."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.bootstrap import Container
from app.domain.messages import TrackedMessage
from app.settings import Settings
from tests.messages import message

pytestmark = pytest.mark.integration

T0 = 1_700_000_000.0

PROFILE_FIELDS = """
  id status mergedInto createdAt updatedAt version
  identifiers { type value events blocked }
  events { totalCount }
  traits
"""
PROFILE_BY_IDENTIFIER = f"""
query ($type: String!, $value: String!) {{
  profileByIdentifier(type: $type, value: $value) {{ {PROFILE_FIELDS} }}
}}"""
PROFILE = f"query ($id: String!) {{ profile(id: $id) {{ {PROFILE_FIELDS} }} }}"
EXPLAIN = """
query ($a: IdentifierInput!, $b: IdentifierInput!) {
  explainLink(a: $a, b: $b) {
    connected sameProfile profileA profileB
    path { fromType toType rule weight count source firstSeen lastSeen }
  }
}"""
UNLINK = """
mutation ($identifier: IdentifierInput!) {
  unlinkIdentifier(identifier: $identifier, reason: "shared tablet") {
    __typename
    ... on Unlinked { profileId splitProfiles }
    ... on IdentifierNotFound { message }
    ... on InvalidIdentifier { message }
  }
}"""
BLOCK_RESULT = """
    __typename
    ... on Blocked { blocked profileId splitProfiles }
    ... on IdentifierNotFound { message }
    ... on InvalidIdentifier { message }
"""
BLOCK = f"""
mutation ($identifier: IdentifierInput!) {{
  blockIdentifier(identifier: $identifier) {{ {BLOCK_RESULT} }}
}}"""
UNBLOCK = f"""
mutation ($identifier: IdentifierInput!) {{
  unblockIdentifier(identifier: $identifier) {{ {BLOCK_RESULT} }}
}}"""
MERGE = """
mutation ($ids: [String!]!) {
  mergeProfiles(ids: $ids, reason: "same customer") {
    __typename
    ... on Merged { profileId mergedIds }
    ... on MergeConflict { reason }
    ... on ProfileNotFound { message }
    ... on InvalidMergeRequest { message }
  }
}"""


def ident(type: str, value: str) -> dict[str, str]:
    return {"type": type, "value": value}


async def post(
    api_url: str, query: str, variables: dict[str, Any] | None = None, *, key: str | None
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {key}"} if key is not None else {}
    async with httpx.AsyncClient(base_url=api_url) as client:
        response = await client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


class Api:
    """A GraphQL client holding the admin key; `data` fails the test on any error."""

    def __init__(self, api_url: str, key: str) -> None:
        self.api_url = api_url
        self.key = key

    async def data(self, query: str, **variables: Any) -> dict[str, Any]:
        body = await post(self.api_url, query, variables, key=self.key)
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    async def profile_of(self, type: str, value: str) -> dict[str, Any]:
        found = (await self.data(PROFILE_BY_IDENTIFIER, type=type, value=value))[
            "profileByIdentifier"
        ]
        assert found is not None
        return dict(found)


@pytest.fixture
def api(api_url: str, settings: Settings) -> Api:
    return Api(api_url, settings.admin_api_key.get_secret_value())


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        (PROFILE, {"id": "p"}),
        (PROFILE_BY_IDENTIFIER, {"type": "user_id", "value": "u"}),
        (EXPLAIN, {"a": ident("user_id", "u"), "b": ident("anonymous_id", "a")}),
        (UNLINK, {"identifier": ident("user_id", "u")}),
        (BLOCK, {"identifier": ident("user_id", "u")}),
        (UNBLOCK, {"identifier": ident("user_id", "u")}),
        (MERGE, {"ids": ["p1", "p2"]}),
    ],
    ids=["profile", "profileByIdentifier", "explainLink", "unlink", "block", "unblock", "merge"],
)
@pytest.mark.parametrize("key", [None, "wrong-key"], ids=["no-key", "wrong-key"])
async def test_identity_fields_need_the_admin_key(
    container: Container,
    api_url: str,
    query: str,
    variables: dict[str, Any],
    key: str | None,
) -> None:
    await container.ingestion.ingest([message(user="u", anon="a")])
    body = await post(api_url, query, variables, key=key)
    assert "Unauthorized" in body["errors"][0]["message"]
    assert not any((body.get("data") or {}).values()), body["data"]
    health = await post(api_url, "{ health { status } }", key=key)
    assert health["data"] == {"health": {"status": "ok"}}


async def test_profile_by_identifier_after_browsing_then_login(
    container: Container, api: Api
) -> None:
    await container.ingestion.ingest(
        [
            message(anon="anon-1", at=T0),
            message(anon="anon-1", at=T0 + 10, event="Added to cart"),
            message(
                "identify",
                user="user-1",
                anon="anon-1",
                email="  Alice@Example.COM ",
                traits={"name": "Alice"},
                at=T0 + 20,
            ),
        ]
    )
    profile = await api.profile_of("anonymous_id", "anon-1")
    assert profile["status"] == "active"
    assert profile["mergedInto"] is None
    assert profile["events"] == {"totalCount": 3}
    assert profile["traits"]["name"] == "Alice"
    pairs = {(i["type"], i["value"]) for i in profile["identifiers"]}
    assert pairs == {
        ("anonymous_id", "anon-1"),
        ("user_id", "user-1"),
        ("email", "alice@example.com"),
    }
    events = {i["type"]: i["events"] for i in profile["identifiers"]}
    assert events == {"anonymous_id": 2, "user_id": 1, "email": 0}
    by_email = await api.profile_of("email", "ALICE@example.com")
    assert by_email["id"] == profile["id"]
    missing = await api.data(PROFILE_BY_IDENTIFIER, type="user_id", value="nobody")
    assert missing == {"profileByIdentifier": None}


async def test_profile_of_a_merged_id_shows_its_lineage(container: Container, api: Api) -> None:
    await container.ingestion.ingest([message(anon="anon-2", at=T0)])
    await container.ingestion.ingest([message(user="user-2", at=T0 + 5)])
    before = {
        (await api.profile_of("anonymous_id", "anon-2"))["id"],
        (await api.profile_of("user_id", "user-2"))["id"],
    }
    assert len(before) == 2
    await container.ingestion.ingest(
        [message("identify", user="user-2", anon="anon-2", at=T0 + 10)]
    )
    active = (await api.profile_of("anonymous_id", "anon-2"))["id"]
    assert (await api.profile_of("user_id", "user-2"))["id"] == active
    (merged_id,) = before - {active}
    merged = (await api.data(PROFILE, id=merged_id))["profile"]
    assert merged["status"] == "merged"
    assert merged["mergedInto"] == active
    assert (await api.data(PROFILE, id=active))["profile"]["status"] == "active"
    assert await api.data(PROFILE, id="nope") == {"profile": None}


async def test_explain_link_connected_with_rules_and_weights(
    container: Container, api: Api
) -> None:
    await container.ingestion.ingest(
        [
            message(anon="anon-3", at=T0),
            message("identify", user="user-3", anon="anon-3", email="c@example.com", at=T0 + 1),
        ]
    )
    found = (
        await api.data(
            EXPLAIN, a=ident("anonymous_id", "anon-3"), b=ident("email", "C@example.com")
        )
    )["explainLink"]
    assert found["connected"] is True
    assert found["sameProfile"] is True
    assert found["profileA"] == found["profileB"] is not None
    assert found["path"], found
    assert found["path"][0]["fromType"] == "anonymous_id"
    assert found["path"][-1]["toType"] == "email"
    for step in found["path"]:
        assert step["rule"] == "identify"
        assert step["weight"] == pytest.approx(0.9)
        assert step["count"] >= 1
        assert step["source"] == "src-test"
        assert step["firstSeen"] == pytest.approx(T0 + 1)
        assert set(step) == {
            "fromType",
            "toType",
            "rule",
            "weight",
            "count",
            "source",
            "firstSeen",
            "lastSeen",
        }


async def test_explain_link_not_connected_across_a_refused_user_id(
    container: Container, api: Api
) -> None:
    # A shared anonymous id seen with two user ids: the second link breaks the user_id cap.
    await container.ingestion.ingest([message(user="user-a", anon="shared", at=T0)])
    await container.ingestion.ingest([message(user="user-b", anon="shared", at=T0 + 60)])
    users = (await api.data(EXPLAIN, a=ident("user_id", "user-a"), b=ident("user_id", "user-b")))[
        "explainLink"
    ]
    assert users["connected"] is False
    assert users["sameProfile"] is False
    assert users["path"] == []
    assert users["profileA"] != users["profileB"]
    first = (
        await api.data(EXPLAIN, a=ident("anonymous_id", "shared"), b=ident("user_id", "user-a"))
    )["explainLink"]
    assert first["connected"] is True
    assert [s["rule"] for s in first["path"]] == ["co_occurrence"]


async def test_unlink_splits_and_stays_split(container: Container, api: Api) -> None:
    def login(at: float) -> TrackedMessage:
        return message("identify", user="user-4", anon="tablet", email="d@example.com", at=at)

    await container.ingestion.ingest([login(T0)])
    before = await api.profile_of("user_id", "user-4")
    assert len(before["identifiers"]) == 3

    result = (await api.data(UNLINK, identifier=ident("anonymous_id", "tablet")))[
        "unlinkIdentifier"
    ]
    assert result["__typename"] == "Unlinked"
    assert result["splitProfiles"]
    assert result["profileId"] in result["splitProfiles"]
    assert (await api.profile_of("anonymous_id", "tablet"))["id"] == result["profileId"]
    assert (await api.profile_of("user_id", "user-4"))["id"] == before["id"]

    # The same evidence again must not re-merge: unlink is sticky.
    await container.ingestion.ingest([login(T0 + 30)])
    assert (await api.profile_of("anonymous_id", "tablet"))["id"] == result["profileId"]
    assert (await api.profile_of("user_id", "user-4"))["id"] == before["id"]


async def test_block_and_unblock_an_identifier(container: Container, api: Api) -> None:
    await container.ingestion.ingest([message(user="user-5", anon="kiosk", at=T0)])
    owner = (await api.profile_of("user_id", "user-5"))["id"]
    blocked = (await api.data(BLOCK, identifier=ident("anonymous_id", "kiosk")))["blockIdentifier"]
    assert blocked["__typename"] == "Blocked"
    assert blocked["blocked"] is True
    kiosk = await api.profile_of("anonymous_id", "kiosk")
    assert blocked["profileId"] == kiosk["id"]
    assert [i["blocked"] for i in kiosk["identifiers"]] == [True]
    assert (await api.profile_of("user_id", "user-5"))["id"] != kiosk["id"]
    assert len(blocked["splitProfiles"]) == 1

    unblocked = (await api.data(UNBLOCK, identifier=ident("anonymous_id", "kiosk")))[
        "unblockIdentifier"
    ]
    assert unblocked["__typename"] == "Blocked"
    assert unblocked["blocked"] is False
    assert unblocked["profileId"] == (await api.profile_of("user_id", "user-5"))["id"]
    assert unblocked["profileId"] == owner


async def test_merge_profiles_conflict_and_success(container: Container, api: Api) -> None:
    await container.ingestion.ingest([message("identify", user="user-6", at=T0)])
    await container.ingestion.ingest([message("identify", user="user-7", at=T0 + 1)])
    await container.ingestion.ingest([message(anon="anon-8", at=T0 + 2)])
    p6 = (await api.profile_of("user_id", "user-6"))["id"]
    p7 = (await api.profile_of("user_id", "user-7"))["id"]
    p8 = (await api.profile_of("anonymous_id", "anon-8"))["id"]

    refused = (await api.data(MERGE, ids=[p6, p7]))["mergeProfiles"]
    assert refused["__typename"] == "MergeConflict"
    assert "type_cap:user_id" in refused["reason"]
    assert (await api.profile_of("user_id", "user-7"))["id"] == p7

    merged = (await api.data(MERGE, ids=[p8, p6]))["mergeProfiles"]
    assert merged["__typename"] == "Merged"
    assert {merged["profileId"], *merged["mergedIds"]} == {p6, p8}
    assert (await api.profile_of("anonymous_id", "anon-8"))["id"] == merged["profileId"]
    assert (await api.profile_of("user_id", "user-6"))["id"] == merged["profileId"]

    unknown = (await api.data(MERGE, ids=[p6, "nope"]))["mergeProfiles"]
    assert unknown["__typename"] == "ProfileNotFound"
    single = (await api.data(MERGE, ids=[p6]))["mergeProfiles"]
    assert single["__typename"] == "InvalidMergeRequest"


@pytest.mark.parametrize("mutation", [UNLINK, BLOCK, UNBLOCK])
@pytest.mark.parametrize(
    "identifier",
    [
        ident("email", "not-an-email"),
        ident("phone", "12"),
        ident("Not A Type", "x"),
    ],
    ids=["email", "phone", "type"],
)
async def test_invalid_identifier_is_a_typed_result(
    container: Container, api: Api, mutation: str, identifier: dict[str, str]
) -> None:
    data = await api.data(mutation, identifier=identifier)
    (result,) = data.values()
    assert result["__typename"] == "InvalidIdentifier"
    assert result["message"]
    if identifier["type"] != "Not A Type":
        assert identifier["value"] not in result["message"]


@pytest.mark.parametrize("mutation", [UNLINK, BLOCK, UNBLOCK])
async def test_unknown_identifier_is_a_typed_result(
    container: Container, api: Api, mutation: str
) -> None:
    data = await api.data(mutation, identifier=ident("email", "ghost@example.com"))
    (result,) = data.values()
    assert result["__typename"] == "IdentifierNotFound"
    assert "ghost" not in result["message"]


GENERIC = """
query ($limit: Int!) {
  genericIdentifiers(limit: $limit) {
    key type links degree sharedSessions rivals caughtBy profileId
  }
}"""


async def test_generic_identifiers_say_what_caught_them(container: Container, api: Api) -> None:
    rivals = container.rules.generic_rivals + 1
    for i in range(rivals):
        await container.ingestion.ingest(
            [
                message("identify", anon=f"b-{i}", user="[object Object]", at=T0 + i),
                message("identify", anon=f"b-{i}", user=f"u-{i}", at=T0 + i + 0.5),
            ]
        )
    shared = container.rules.generic_degree + 1
    for i in range(shared):
        await container.ingestion.ingest(
            [message("identify", user=f"c-{i}", email="info@shop.example", at=T0 + 100 + i)]
        )
    found = (await api.data(GENERIC, limit=10))["genericIdentifiers"]
    by_type = {g["type"]: g for g in found}
    assert set(by_type) == {"user_id", "email"}
    assert by_type["user_id"]["caughtBy"] == "generic_rivals"
    assert by_type["user_id"]["rivals"] == rivals
    assert by_type["user_id"]["sharedSessions"] == rivals
    assert by_type["email"]["caughtBy"] == "generic_degree"
    assert by_type["email"]["degree"] == shared
    assert by_type["email"]["links"] == shared
    assert all(g["profileId"] for g in found)
    assert [g["type"] for g in (await api.data(GENERIC, limit=1))["genericIdentifiers"]] == [
        "email"
    ]
    refused = await post(api.api_url, GENERIC, {"limit": 0}, key=api.key)
    assert "limit must be between 1 and 1000" in refused["errors"][0]["message"]
