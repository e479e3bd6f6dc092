"""A marketer defines, previews and activates a segment through GraphQL; frontends list its
members and see each profile's memberships."""

from __future__ import annotations

import pytest

from app.bootstrap import Container
from tests.messages import message
from tests.support.graphql import graphql_data

pytestmark = pytest.mark.integration

PRO = {
    "name": "pro_with_email",
    "description": "paying customers we can write to",
    "condition": {"all": [{"trait": "plan", "op": "eq", "value": "pro"}, {"identifier": "email"}]},
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
    members = (
        await graphql_data(
            api_url,
            key,
            'query{profiles(first:10,filter:{segment:"pro_with_email"}){totalCount '
            "edges{node{id segments{segment}}}}}",
        )
    )["profiles"]
    assert members["totalCount"] == 1
    assert members["edges"][0]["node"] == {"id": g1.id, "segments": [{"segment": "pro_with_email"}]}
