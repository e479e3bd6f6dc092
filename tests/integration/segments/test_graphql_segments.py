"""A marketer defines, previews and activates a segment through GraphQL; frontends list its
members and see each profile's memberships."""

from __future__ import annotations

import pytest

from app.adapters.stores.browsing import Neo4jProfileBrowseStore
from app.bootstrap import Container
from app.ports.browsing import ProfileQuery
from tests.messages import message
from tests.support.graphql import graphql_data

pytestmark = pytest.mark.integration

PRO = {
    "name": "pro_with_email",
    "description": "paying customers we can write to",
    "condition": {"all": [{"trait": "plan", "op": "eq", "value": "pro"}, {"identifier": "email"}]},
}


async def _previews_count_and_name_the_problem(container: Container, api_url: str, key: str) -> str:
    """A preview counts and samples the one member; a bad definition names its problem.
    Returns the member's profile id."""
    preview = (
        await graphql_data(
            api_url,
            key,
            "query($d: JSON!){previewSegment(definition:$d){__typename "
            "... on SegmentPreview{total sample} ... on InvalidSegment{message}}}",
            d=PRO,
        )
    )["previewSegment"]
    g1 = await container.profiles.profile_by_identifier("user_id", "g1")
    assert g1 is not None
    assert preview == {"__typename": "SegmentPreview", "total": 1, "sample": [g1.id]}
    bad = (
        await graphql_data(
            api_url,
            key,
            "query($d: JSON!){previewSegment(definition:$d){__typename "
            "... on InvalidSegment{message}}}",
            d={"name": "x", "condition": {"all": [{"trait": "plan", "op": "eq"}]}},
        )
    )["previewSegment"]
    assert bad["message"] == "condition.all[0].value: required for op 'eq'"
    return g1.id


async def _saved_inactive_then_activated(api_url: str, key: str) -> None:
    """Saved, it has no members; activated, it is evaluated over every profile at once."""
    saved = (
        await graphql_data(
            api_url,
            key,
            "mutation($d: JSON!){saveSegment(definition:$d){... on Segment{name version active "
            "members}}}",
            d=PRO,
        )
    )["saveSegment"]
    assert saved == {"name": "pro_with_email", "version": 1, "active": False, "members": 0}
    active = (
        await graphql_data(
            api_url,
            key,
            'mutation{setSegmentActive(name:"pro_with_email",active:true)'
            "{... on Segment{members evaluation{status evaluated total entered}}}}",
        )
    )["setSegmentActive"]
    assert active == {
        "members": 1,
        "evaluation": {"status": "done", "evaluated": 3, "total": 3, "entered": 1},
    }


async def test_define_preview_activate_and_list_members(container: Container, api_url: str) -> None:
    await container.ingestion.ingest(
        [
            message("identify", user="g1", email="g1@example.org", traits={"plan": "pro"}),
            message("identify", user="g2", traits={"plan": "pro"}),
            message("identify", user="g3", email="g3@example.org", traits={"plan": "free"}),
        ]
    )
    key = (await container.apikeys.create("growth", "marketer", None)).secret
    g1 = await _previews_count_and_name_the_problem(container, api_url, key)
    await _saved_inactive_then_activated(api_url, key)
    members = (
        await graphql_data(
            api_url,
            key,
            'query{profiles(first:10,filter:{segment:"pro_with_email"}){totalCount '
            "edges{node{id segments{segment}}}}}",
        )
    )["profiles"]
    assert members["totalCount"] == 1
    assert members["edges"][0]["node"] == {"id": g1, "segments": [{"segment": "pro_with_email"}]}


LIST_MEMBERS = """query($s: String!, $after: String) {
  profiles(first: 5, after: $after, filter: {segment: $s}) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { id } }
  }
}"""


async def _members(api_url: str, key: str, segment: str) -> tuple[int, list[str]]:
    """Every member of a segment, page by page (5 a page), and the count the first page gave."""
    ids: list[str] = []
    after = None
    total = -1
    while True:
        page = (await graphql_data(api_url, key, LIST_MEMBERS, s=segment, after=after))["profiles"]
        total = page["totalCount"] if total < 0 else total
        ids += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return total, ids
        after = page["pageInfo"]["endCursor"]


async def test_members_of_a_large_and_a_small_segment_page_alike(
    container: Container, api_url: str
) -> None:
    """A segment holding most profiles is read by walking the profile index, a small one from
    its edges: both give every member once, in id order, and the same count."""
    await container.ingestion.ingest(
        [
            message("identify", user=f"m{n}", traits={"plan": "pro" if n < 24 else "free"})
            for n in range(30)
        ]
        + [message("identify", anon=f"visitor-{n}", traits={"plan": "pro"}) for n in (1, 2)]
    )
    key = (await container.apikeys.create("growth", "marketer", None)).secret
    for name, plan in (("pros", "pro"), ("frees", "free")):
        definition = {"name": name, "condition": {"trait": "plan", "op": "eq", "value": plan}}
        save = "mutation($d: JSON!){saveSegment(definition:$d){__typename}}"
        await graphql_data(api_url, key, save, d=definition)
        await graphql_data(
            api_url,
            key,
            "mutation($n: String!){setSegmentActive(name:$n,active:true){__typename}}",
            n=name,
        )
    store = container.browser.store
    assert isinstance(store, Neo4jProfileBrowseStore)
    people = {}
    for n in range(30):
        found = await container.profiles.profile_by_identifier("user_id", f"m{n}")
        assert found is not None
        people[f"m{n}"] = found.id
    for n in (1, 2):
        found = await container.profiles.profile_by_identifier("anonymous_id", f"visitor-{n}")
        assert found is not None
        people[f"visitor-{n}"] = found.id
    pros = [people[f"m{n}"] for n in range(24)] + [people["visitor-1"], people["visitor-2"]]
    frees = [people[f"m{n}"] for n in range(24, 30)]
    for name, expected in (("pros", pros), ("frees", frees)):
        total, ids = await _members(api_url, key, name)
        assert (total, ids) == (len(expected), sorted(expected)), name
    # 26 of 32 profiles: walked in id order; 6 of 32: read from the segment's edges, and so is
    # a large segment with another filter (the walk could find few and read every profile).
    assert await store._page_view(ProfileQuery(segment="pros"), 5) == (
        "views/segment_profiles_page_dense"
    )
    assert await store._page_view(ProfileQuery(segment="frees"), 5) == "views/segment_profiles_page"
    with_type = ProfileQuery(identifier_type="email", segment="pros")
    assert await store._page_view(with_type, 5) == "views/segment_profiles_page"

    # A paused segment keeps the edge of a profile merged since: neither the page nor the
    # count shows a profile that is no longer active.
    await graphql_data(
        api_url, key, 'mutation{setSegmentActive(name:"pros",active:false){__typename}}'
    )
    merged = await container.curation.merge_profiles(
        [people["visitor-1"], people["visitor-2"]], "same person", by="tester"
    )
    assert merged.profile_id is not None
    gone = next(p for p in (people["visitor-1"], people["visitor-2"]) if p != merged.profile_id)
    total, ids = await _members(api_url, key, "pros")
    assert gone not in ids and (total, ids) == (len(pros) - 1, sorted(set(pros) - {gone}))
