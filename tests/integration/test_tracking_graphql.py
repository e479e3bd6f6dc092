"""The trackers' GraphQL endpoint (/v1/graphql) with a real GraphQL client over real HTTP.

The client (`gql` over httpx) validates each operation against the committed SDL
(graphql/tracking.graphql) and the committed operations (graphql/operations/tracking/), then
posts to the app served by uvicorn. Every refusal is compared with /v1's answer to the same
body: the two must say the same thing, as they run the same code.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from gql import Client, GraphQLRequest
from gql.transport.httpx import HTTPXAsyncTransport

from app.bootstrap import Container
from app.entrypoints.gql.export_sdl import TRACKING_SDL_PATH
from app.settings import Settings
from tests.integration.test_tracking_http import CALLS, PERSONAL, basic
from tests.pipeline import drain, stored_events

pytestmark = pytest.mark.integration

OPERATIONS = (TRACKING_SDL_PATH.parent / "operations" / "tracking" / "Calls.graphql").read_text()
NAMES = {kind: kind.capitalize() for kind in (*CALLS, "batch")}


def _client(api_url: str, **httpx_args: Any) -> Client:
    transport = HTTPXAsyncTransport(url=f"{api_url}/v1/graphql", **httpx_args)
    return Client(transport=transport, schema=TRACKING_SDL_PATH.read_text(encoding="utf-8"))


async def call(
    api_url: str, kind: str, variables: dict[str, Any], key: str | None = None
) -> dict[str, Any]:
    """The answer to one call, with the write key as HTTP Basic user name when given."""
    auth = httpx.BasicAuth(key, "") if key else None
    async with _client(api_url, auth=auth) as session:
        request = GraphQLRequest(OPERATIONS, variable_values=variables, operation_name=NAMES[kind])
        result = await session.execute(request)
    answer: dict[str, Any] = result[kind]
    return answer


async def v1_refusal(api_url: str, path: str, body: dict[str, Any], key: str) -> dict[str, Any]:
    """What /v1 answers the same body: its status beside its error body."""
    async with httpx.AsyncClient(base_url=api_url, headers=basic(key)) as client:
        response = await client.post(path, json=body)
    return {**response.json(), "status": response.status_code}


def same_refusal(answer: dict[str, Any], v1: dict[str, Any], typename: str) -> None:
    assert answer["__typename"] == typename, answer
    assert (answer["code"], answer["message"], answer["status"]) == (
        v1["code"],
        v1["message"],
        v1["status"],
    )
    assert PERSONAL not in answer["message"]


async def accepted_count(container: Container) -> int:
    return (await container.stream.stats()).get("accepted", 0)


async def test_every_call_is_accepted_and_reaches_the_graph(
    api_url: str, container: Container
) -> None:
    key = (await container.sources.create("web")).write_key
    for kind, body in CALLS.items():
        answer = await call(api_url, kind, {"message": body}, key)
        assert answer["__typename"] == "Accepted", answer
        assert answer["success"] is True and len(answer["messageIds"]) == 1
    batch = [
        {"track": {"anonymousId": "a-1", "event": "Added to Cart"}},
        {"page": {"userId": "u-1", "name": "Cart"}},
    ]
    answer = await call(api_url, "batch", {"batch": batch, "context": {"app": "shop"}}, key)
    assert answer["__typename"] == "Accepted" and len(answer["messageIds"]) == 2
    assert await accepted_count(container) == len(CALLS) + 2

    await drain(container)
    by_user = await container.profiles.profile_by_identifier("user_id", "u-1")
    by_anon = await container.profiles.profile_by_identifier("anonymous_id", "a-1")
    by_email = await container.profiles.profile_by_identifier("email", PERSONAL)
    assert by_user is not None and by_anon is not None and by_email is not None
    assert by_user.id == by_anon.id == by_email.id  # alias and identify joined them
    assert await stored_events(container) == len(CALLS) + 2
    assert (await container.profiles.traits(by_user.id)).get("email") == PERSONAL


async def test_the_write_key_may_be_an_argument_and_api_keys_do_not_work(
    api_url: str, container: Container, settings: Settings
) -> None:
    key = (await container.sources.create("web")).write_key
    admin = settings.admin_api_key.get_secret_value()
    track = {"message": CALLS["track"]}
    as_argument = await call(api_url, "track", {**track, "writeKey": key})
    assert as_argument["__typename"] == "Accepted"
    bearer = {"Authorization": f"Bearer {admin}"}
    async with _client(api_url, headers=bearer) as session:
        request = GraphQLRequest(OPERATIONS, variable_values=track, operation_name="Track")
        with_bearer = (await session.execute(request))["track"]
    as_write_key = await call(api_url, "track", {**track, "writeKey": admin})
    # As on /v1, the HTTP Basic key is the one that counts when both are sent.
    header_wins = await call(api_url, "track", {**track, "writeKey": "wk_wrong"}, key)
    assert header_wins["__typename"] == "Accepted"
    wrong_header = await call(api_url, "track", {**track, "writeKey": key}, "wk_wrong")
    assert wrong_header["__typename"] == "Unauthorized"
    missing = await v1_refusal(api_url, "/v1/track", CALLS["track"], "")
    same_refusal(with_bearer, {**missing}, "Unauthorized")
    assert with_bearer["message"].startswith("write key: missing")
    assert as_write_key["__typename"] == "Unauthorized"
    assert as_write_key["message"] == "write key: unknown"
    # The analysts' schema is not reachable here, whatever the key.
    async with httpx.AsyncClient(base_url=api_url, headers=bearer) as client:
        response = await client.post("/v1/graphql", json={"query": '{ profile(id: "p") { id } }'})
    assert response.status_code == 200
    assert response.json()["data"] is None
    assert "Cannot query field 'profile'" in response.json()["errors"][0]["message"]
    assert await accepted_count(container) == 2


BAD: list[tuple[str, dict[str, Any], str]] = [
    ("track", {"userId": "u-1", "event": ""}, "event: must be a non-empty string"),
    ("identify", {"traits": {"email": PERSONAL}}, "userId or anonymousId is required"),
    ("track", {"userId": "u-1", "event": "E", "timestamp": "yesterday"}, "timestamp: must be"),
    ("page", {"anonymousId": "a", "properties": [1, 2]}, "properties: must be an object"),
    ("group", {"userId": "u-1", "groupId": ""}, "groupId: must be a non-empty string"),
    ("alias", {"userId": "u-1", "previousId": "p", "messageId": "m" * 256}, "messageId: must"),
    ("track", {"userId": "u", "event": "E", "properties": {"x": "y" * 40_000}}, "larger than"),
]


@pytest.mark.parametrize(("kind", "body", "problem"), BAD, ids=[b[2][:30] for b in BAD])
async def test_a_bad_message_is_refused_as_v1_refuses_it_naming_the_field(
    api_url: str, container: Container, kind: str, body: dict[str, Any], problem: str
) -> None:
    key = (await container.sources.create("web")).write_key
    answer = await call(api_url, kind, {"message": body}, key)
    v1 = await v1_refusal(api_url, f"/v1/{kind}", body, key)
    same_refusal(answer, v1, "InvalidMessage")
    assert answer["message"].startswith(problem) or problem in answer["message"]
    assert await accepted_count(container) == 0


async def test_a_field_the_spec_requires_is_required_by_the_schema(
    api_url: str, container: Container
) -> None:
    """event, groupId, previousId: GraphQL refuses the request before it runs, naming it."""
    key = (await container.sources.create("web")).write_key
    track = {"query": OPERATIONS, "operationName": "Track"}
    batch = {"query": OPERATIONS, "operationName": "Batch"}
    async with httpx.AsyncClient(base_url=api_url, headers=basic(key)) as client:
        single = await client.post(
            "/v1/graphql", json={**track, "variables": {"message": {"userId": "u-1"}}}
        )
        items = [{"group": {"userId": "u-1", "groupId": "g"}}, {"alias": {"userId": "u-1"}}]
        in_batch = await client.post("/v1/graphql", json={**batch, "variables": {"batch": items}})
        two_kinds = [{"page": {"userId": "u-1"}, "screen": {"userId": "u-1"}}]
        ambiguous = await client.post(
            "/v1/graphql", json={**batch, "variables": {"batch": two_kinds}}
        )
    assert (single.status_code, in_batch.status_code) == (200, 200)
    assert single.json()["data"] is None
    assert [e["message"] for e in single.json()["errors"]] == [
        "Variable '$message' has invalid value: Expected value of type 'TrackInput' to include"
        " required field 'event'."
    ]
    assert [e["message"] for e in in_batch.json()["errors"]] == [
        "Variable '$batch' has invalid value at [1].alias: Expected value of type 'AliasInput'"
        " to include required field 'previousId'."
    ]
    assert [e["message"] for e in ambiguous.json()["errors"]] == [
        "OneOf Input Object 'BatchMessageInput' must specify exactly one key."
    ]
    assert await accepted_count(container) == 0


async def test_a_replayed_message_id_is_accepted_and_stored_once(
    api_url: str, container: Container
) -> None:
    key = (await container.sources.create("web")).write_key
    message = {**CALLS["track"], "messageId": "m-retried"}
    first = await call(api_url, "track", {"message": message}, key)
    again = await call(api_url, "batch", {"batch": [{"track": message}]}, key)
    async with httpx.AsyncClient(base_url=api_url, headers=basic(key)) as client:
        v1 = await client.post("/v1/track", json=message)
    assert first == again  # Accepted, the same id: as /v1 answers {"success": true} again
    assert first["messageIds"] == ["m-retried"] and v1.json() == {"success": True}
    stats = await container.stream.stats()
    assert (stats["accepted"], stats["pending"]) == (1, 1)


async def test_a_batch_with_a_bad_message_is_refused_whole_naming_its_index(
    api_url: str, container: Container
) -> None:
    key = (await container.sources.create("web")).write_key
    good = {"anonymousId": "a-1", "event": "Viewed"}
    bad = {"anonymousId": "a-1", "event": "x" * 1001}
    answer = await call(api_url, "batch", {"batch": [{"track": good}, {"track": bad}]}, key)
    v1 = await v1_refusal(
        api_url,
        "/v1/batch",
        {"batch": [{"type": "track", **good}, {"type": "track", **bad}]},
        key,
    )
    same_refusal(answer, v1, "InvalidMessage")
    assert answer["message"] == "batch[1].event: must be at most 1000 characters"
    assert await accepted_count(container) == 0


async def test_a_write_key_of_another_workspace_or_unknown_is_refused_as_v1_refuses_it(
    api_url: str, container: Container, elsewhere: Container
) -> None:
    await container.sources.create("web")
    there = (await elsewhere.sources.create("web")).write_key
    track = {"message": CALLS["track"]}
    in_header = await call(api_url, "track", track, there)
    as_argument = await call(api_url, "track", {**track, "writeKey": there})
    unknown = await call(api_url, "track", track, "wk_not-a-key")
    v1 = await v1_refusal(api_url, "/v1/track", CALLS["track"], there)
    for answer in (in_header, as_argument, unknown):
        same_refusal(answer, v1, "Unauthorized")
    assert v1["status"] == 401 and v1["message"] == "write key: unknown"
    async with httpx.AsyncClient(base_url=api_url) as client:
        garbled = await client.post(
            "/v1/graphql",
            json={"query": OPERATIONS, "operationName": "Track", "variables": track},
            headers={"Authorization": "Basic %%%"},
        )
    assert garbled.status_code == 200
    assert (
        garbled.json()["data"]["track"]["message"] == "Authorization: malformed Basic credentials"
    )
    assert (await accepted_count(container), await accepted_count(elsewhere)) == (0, 0)
    assert await stored_events(elsewhere) == 0
