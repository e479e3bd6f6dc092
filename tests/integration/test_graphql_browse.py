"""Lists for frontends over real HTTP: profiles and events page by page, the identity graph,
no query per row, and the limits that refuse abusive requests."""

from __future__ import annotations

import pytest

from app.bootstrap import Container
from app.entrypoints.gql.context import Context
from app.entrypoints.gql.schema import build_schema
from app.settings import Settings
from tests.messages import message
from tests.support.graphql import graphql_body, graphql_data
from tests.support.profiles import profile_id

pytestmark = pytest.mark.integration

T0 = 1_700_000_000.0
LIST = """
query($first: Int!, $after: String, $filter: ProfileFilterInput) {
  profiles(first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id } }
  }
}"""
WIDE = """
query($first: Int!) {
  profiles(first: $first) {
    edges { node { id identifiers { type value } traits events { totalCount } } }
  }
}"""
EVENTS = """
query($id: String!, $first: Int!, $after: String, $name: String, $since: Float) {
  profile(id: $id) {
    events(first: $first, after: $after, name: $name, since: $since) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id name at identifierType payload } }
    }
  }
}"""
GRAPH = """
query($id: String!, $depth: Int!) {
  identityGraph(profileId: $id, depth: $depth) {
    profileId truncated
    nodes { id type profileId generic }
    edges { source target kind rule weight followed refusal }
  }
}"""


@pytest.fixture
def admin(settings: Settings) -> str:
    return settings.admin_api_key.get_secret_value()


async def test_profiles_page_by_page_with_filters(
    container: Container, api_url: str, admin: str
) -> None:
    await container.ingestion.ingest(
        [
            message(
                "identify",
                user=f"list-{n}",
                email=f"list-{n}@example.org" if n % 2 else None,
                traits={"plan": "pro" if n % 3 == 0 else "free"},
                at=T0 + n,
            )
            for n in range(25)
        ]
    )
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        found = (await graphql_data(api_url, admin, LIST, first=10, after=after))["profiles"]
        assert found["totalCount"] == 25
        seen += [e["node"]["id"] for e in found["edges"]]
        pages += 1
        if not found["pageInfo"]["hasNextPage"]:
            break
        after = found["pageInfo"]["endCursor"]
    assert pages == 3 and len(seen) == len(set(seen)) == 25
    with_email = await graphql_data(
        api_url, admin, LIST, first=50, filter={"identifierType": "email"}
    )
    assert with_email["profiles"]["totalCount"] == 12
    pro = await graphql_data(
        api_url, admin, LIST, first=50, filter={"trait": {"name": "plan", "value": "pro"}}
    )
    assert pro["profiles"]["totalCount"] == 9 and len(pro["profiles"]["edges"]) == 9
    refused = await graphql_body(
        api_url, admin, LIST, first=5, filter={"trait": {"name": "email", "value": "x"}}
    )
    assert "not a plain" in refused["errors"][0]["message"]
    too_many = await graphql_body(api_url, admin, LIST, first=1000)
    assert "first: between 0 and 100" in too_many["errors"][0]["message"]
    bad_cursor = await graphql_body(api_url, admin, LIST, first=5, after="not-a-cursor")
    assert "not a cursor" in bad_cursor["errors"][0]["message"]


async def test_a_list_costs_the_same_number_of_queries_for_5_or_40_profiles(
    container: Container, api_url: str, admin: str
) -> None:
    await container.ingestion.ingest(
        [
            message(
                "identify",
                user=f"n1-{n}",
                email=f"n1-{n}@example.org",
                traits={"first_name": f"N{n}"},
                at=T0 + n,
            )
            for n in range(40)
        ]
    )
    # A first request refreshes the API's caches (trait schema, source trusts; 30 s each),
    # whose reads would otherwise be counted in whichever request comes first.
    assert "errors" not in await graphql_body(api_url, admin, WIDE, first=1)
    counts = {}
    for first in (5, 40):
        body = await graphql_body(api_url, admin, WIDE, first=first)
        assert "errors" not in body, body["errors"]
        assert len(body["data"]["profiles"]["edges"]) == first
        counts[first] = body["extensions"]["neo4jQueries"]
    assert counts[5] == counts[40] <= 10, counts


async def test_a_profiles_events_newest_first_with_filters(
    container: Container, api_url: str, admin: str
) -> None:
    await container.ingestion.ingest(
        [
            message(
                user="ev-u", event="Viewed" if n % 3 else "Bought", properties={"n": n}, at=T0 + n
            )
            for n in range(30)
        ]
    )
    pid = await profile_id(container, "user_id", "ev-u")
    first = (await graphql_data(api_url, admin, EVENTS, id=pid, first=12))["profile"]["events"]
    assert first["totalCount"] == 30 and first["pageInfo"]["hasNextPage"]
    ats = [e["node"]["at"] for e in first["edges"]]
    assert ats == sorted(ats, reverse=True) and ats[0] == T0 + 29
    assert first["edges"][0]["node"]["payload"]["properties"] == {"n": 29}
    rest = (
        await graphql_data(
            api_url, admin, EVENTS, id=pid, first=100, after=first["pageInfo"]["endCursor"]
        )
    )["profile"]["events"]
    assert len(rest["edges"]) == 18 and not rest["pageInfo"]["hasNextPage"]
    assert not {e["node"]["id"] for e in rest["edges"]} & {e["node"]["id"] for e in first["edges"]}
    bought = (
        await graphql_data(api_url, admin, EVENTS, id=pid, first=100, name="Bought", since=T0 + 10)
    )["profile"]["events"]
    assert bought["totalCount"] == 6 and {e["node"]["name"] for e in bought["edges"]} == {"Bought"}
    viewer = (await container.apikeys.create("ev-viewer", "viewer", None)).secret
    hidden = (await graphql_data(api_url, viewer, EVENTS, id=pid, first=3))["profile"]["events"]
    assert [e["node"]["payload"] for e in hidden["edges"]] == [None, None, None]


async def test_the_identity_graph_shows_the_cluster_and_refused_neighbours(
    container: Container, api_url: str, admin: str
) -> None:
    await container.ingestion.ingest([message("identify", user="mum", device="ipad", anon="a-m")])
    await container.ingestion.ingest([message("identify", user="son", device="ipad")])
    mum = await profile_id(container, "user_id", "mum")
    inner = (await graphql_data(api_url, admin, GRAPH, id=mum, depth=0))["identityGraph"]
    assert sorted(n["type"] for n in inner["nodes"]) == ["anonymous_id", "device_id", "user_id"]
    assert {n["profileId"] for n in inner["nodes"]} == {mum}
    outer = (await graphql_data(api_url, admin, GRAPH, id=mum, depth=1))["identityGraph"]
    assert len(outer["nodes"]) == 4
    refused = [e for e in outer["edges"] if e["refusal"]]
    assert refused and all(e["refusal"] == "type_cap:user_id" for e in refused)
    assert all(e["kind"] == "LINKED" and e["weight"] > 0 for e in outer["edges"])
    too_deep = await graphql_body(api_url, admin, GRAPH, id=mum, depth=9)
    assert "depth: between 0 and 3" in too_deep["errors"][0]["message"]
    assert (await graphql_data(api_url, admin, GRAPH, id="nope", depth=1))["identityGraph"] is None


async def test_abusive_queries_are_refused_with_a_clear_error(
    container: Container, api_url: str, admin: str
) -> None:
    deep = "{ health { status } }"
    aliases = "{" + " ".join(f"h{n}: health {{ status }}" for n in range(40)) + "}"
    body = await graphql_body(api_url, admin, aliases)
    assert "aliases" in body["errors"][0]["message"].lower()
    huge = "{" + " ".join("health { status }" for _ in range(2000)) + "}"
    body = await graphql_body(api_url, admin, huge)
    assert "token" in body["errors"][0]["message"].lower()
    assert "errors" not in await graphql_body(api_url, admin, deep)


async def test_too_deep_a_query_is_refused(container: Container) -> None:
    # The schema has no cycles today, so its deepest query is shallower than the limit of 12;
    # the limiter is proven on a schema built with a limit of 5.
    schema = build_schema(max_depth=5)
    deep = "{ profiles { edges { node { events { edges { node { id } } } } } } }"
    result = await schema.execute(deep, context_value=Context(container))
    assert result.errors and "exceeds maximum operation depth" in result.errors[0].message


async def test_a_request_past_its_time_limit_gets_an_error_not_a_hang(
    container: Container,
) -> None:
    schema = build_schema(time_limit=1e-6)
    result = await schema.execute("{ health { status } }", context_value=Context(container))
    assert result.errors and "timed out" in result.errors[0].message


async def test_a_list_of_identifier_types_opens_no_value_and_audits_no_read(
    container: Container, api_url: str, admin: str
) -> None:
    await container.ingestion.ingest(
        [message("identify", user="types-1", anon="types-a", email="types-1@example.org")]
    )
    query = "{profiles(first:10){edges{node{identifierTypes identifiers{type value}}}}}"
    (node,) = [e["node"] for e in (await graphql_data(api_url, admin, query))["profiles"]["edges"]]
    assert node["identifierTypes"] == [i["type"] for i in node["identifiers"]]
    assert sorted(node["identifierTypes"]) == ["anonymous_id", "email", "user_id"]
    before = len(await container.audit.entries(action="pii.read"))
    await graphql_data(api_url, admin, "{profiles(first:10){edges{node{identifierTypes}}}}")
    assert len(await container.audit.entries(action="pii.read")) == before
