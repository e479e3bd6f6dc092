"""Every key and id belongs to one workspace, across the whole GraphQL surface.

Two workspaces share one Neo4j and one Valkey, each behind its own API over loopback HTTP, and
hold the same kinds of things: profiles (ingested), sources and write keys, API keys, segments,
journeys, destinations, purposes and consents, erasures and suppressions, audit entries, dead
letters, a trait of their own schema. Every root field of graphql/schema.graphql is read from
the SDL and must be exercised here, each of its arguments too, unless it is allowed below with
the reason it names nothing a workspace owns; a field added to the schema and not covered fails
the test with its name. Each case calls one workspace's API with the other's id, key, name or
identifier and expects "not found" (or the field's normal empty answer); the other workspace's
graph, Valkey keys and data keys must be exactly as they were, and no answer may carry
anything of the other workspace that the request did not itself send. Both directions run.

The two workspaces are in workspace_matrix_world, the cases in workspace_matrix_queries and
workspace_matrix_mutations (their checks in workspace_matrix_case).
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
import pytest_asyncio
import websockets
from graphql import GraphQLObjectType, build_schema
from pydantic import SecretStr

from app.bootstrap import Container, build_container
from app.settings import Settings
from tests.messages import message
from tests.processes import served
from tests.resilience.workspace_matrix_case import Case
from tests.resilience.workspace_matrix_mutations import (
    consent_and_key_mutation_cases,
    definition_mutation_cases,
    identity_mutation_cases,
    message_mutation_cases,
    trait_and_subject_mutation_cases,
)
from tests.resilience.workspace_matrix_queries import (
    consent_and_erasure_query_cases,
    identity_query_cases,
    operations_query_cases,
    segment_and_journey_query_cases,
)
from tests.resilience.workspace_matrix_world import (
    SHARED_EMAIL,
    World,
    differences,
    populate,
    snapshot,
)

pytestmark = pytest.mark.integration

SDL = Path(__file__).resolve().parents[2] / "graphql" / "schema.graphql"
THERE = "elsewhere"

#: Root fields that need no case, and why they name nothing a workspace owns.
FIELDS_WITHOUT_REFERENCES: dict[str, str] = {}
#: Arguments no case needs to vary, and why none of them names something a workspace owns.
ARGUMENTS_WITHOUT_REFERENCES: dict[tuple[str, str], str] = {
    ("profiles", "first"): "a page size",
    ("identityGraph", "depth"): "a number of hops",
    ("previewSegment", "sample"): "a sample size",
    ("erasures", "limit"): "a count",
    ("auditLog", "limit"): "a count",
    ("auditLog", "before"): "a time",
    ("unlinkIdentifier", "reason"): "free text kept with the edge",
    ("mergeProfiles", "reason"): "free text kept with the evidence",
    ("track", "waitSeconds"): "a duration",
    ("identify", "waitSeconds"): "a duration",
    ("setSegmentActive", "active"): "a flag",
    ("setJourneyActive", "active"): "a flag",
    ("setDestinationActive", "active"): "a flag",
    ("createSource", "trust"): "a number",
    ("setSourceTrust", "trust"): "a number",
    ("redecisions", "limit"): "a count",
    ("setTrait", "value"): "the value recorded, never looked up",
    ("setConsent", "granted"): "a flag",
    ("setConsent", "expiresAt"): "a time",
    ("setConsent", "source"): "provenance text recorded as given, never looked up",
    ("setPurpose", "description"): "free text",
    ("setPurpose", "defaultGranted"): "a flag",
    ("eraseSubject", "reason"): "free text kept on the request",
    ("setSourceRetention", "days"): "a number of days",
    ("ingestionSeries", "minutes"): "a number of minutes",
    ("genericIdentifiers", "limit"): "a count",
    ("createApiKey", "role"): "a role name",
    ("createApiKey", "expiresDays"): "a number of days",
}


def root_fields() -> dict[str, list[str]]:
    """Every root field of the SDL snapshot (queries, mutations, subscriptions) with the
    names of its arguments."""
    schema = build_schema(SDL.read_text(encoding="utf-8"))
    found: dict[str, list[str]] = {}
    roots = (schema.query_type, schema.mutation_type, schema.subscription_type)
    for root in roots:
        assert isinstance(root, GraphQLObjectType)
        for name, definition in root.fields.items():
            found[name] = list(definition.args)
    return found


def cases(here: World, there: World, here_pending: int, schema: dict[str, Any]) -> list[Case]:
    """The matrix: `here`'s API asked about `there`'s things (`schema`: here's trait schema,
    which one case stores again with a field named like one of there's), in the order asked."""
    return [
        # Queries.
        *identity_query_cases(here, there),
        *segment_and_journey_query_cases(here, there),
        *operations_query_cases(here, there, here_pending),
        *consent_and_erasure_query_cases(here, there),
        # Mutations.
        *identity_mutation_cases(here, there),
        *message_mutation_cases(here, there),
        *definition_mutation_cases(here, there),
        *consent_and_key_mutation_cases(here, there),
        *trait_and_subject_mutation_cases(here, there, schema),
    ]


async def _graphql(
    client: httpx.AsyncClient, key: str, query: str, variables: dict[str, Any]
) -> httpx.Response:
    return await client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {key}"},
    )


async def run_matrix(here: World, there: World) -> list[str]:
    """Every case on `here`'s API; returns the fields and arguments exercised."""
    before = await snapshot(there)
    pending = (await here.container.stream.stats())["pending"]
    schema = (await here.container.trait_schemas.current()).to_mapping()
    exercised: list[str] = []
    failures: list[str] = []
    leaks = there.references()
    sent = ""
    async with httpx.AsyncClient(base_url=here.api, timeout=30) as client:
        for case in cases(here, there, pending, schema):
            response = await _graphql(client, here.admin_key, case.query, case.variables)
            # A name sent once may be here's own from then on (createSource, setPurpose...).
            sent += case.query + json.dumps(case.variables)
            held = sorted(r for r in leaks if r and r in response.text and r not in sent)
            try:
                assert response.status_code == 200, response.text
                case.check(response.json())
                assert not held, f"answer holds {held}"
            except AssertionError as exc:
                failures.append(f"{case.field}{list(case.arguments)}: {exc}")
            exercised.append(case.field)
            exercised.extend(f"{case.field}.{a}" for a in case.arguments)
    assert not failures, "\n".join(failures)
    # The erasure of the e-mail both hold runs (as a worker would): here's person only.
    for request_id, _ in await here.container.erasure.open_requests():
        assert (await here.container.erasure.run(request_id)).status == "completed"
    assert await here.container.profiles.profile_by_identifier("email", SHARED_EMAIL) is None
    # There's suppression of its erased identifier does not suppress it here.
    await here.container.ingestion.ingest([message("identify", user=there.erased["value"])])
    assert await here.container.profiles.profile_by_identifier(**there.erased) is not None
    after = await snapshot(there)
    assert differences(before, after) == [], f"{there.ws} changed"
    return exercised


async def keys_of_one_workspace_are_unknown_to_the_other(here: World, there: World) -> None:
    """API keys and write keys of `there` on `here`'s API: refused, nothing appended."""
    stats = await here.container.stream.stats()
    theirs = [there.admin_key, *there.api_keys.values()]
    track = {"userId": "u", "event": "E"}
    basic = base64.b64encode(f"{there.write_key}:".encode()).decode()
    async with httpx.AsyncClient(base_url=here.api, timeout=30) as client:
        for key in theirs:
            answer = (await _graphql(client, key, "{sources{id}}", {})).json()
            assert answer["errors"][0]["message"].startswith("Unauthorized"), answer
        for path in ("/v1/track", "/v1/batch", "/v1/import"):
            body = track if path == "/v1/track" else {"batch": [{"type": "track", **track}]}
            header = await client.post(path, json=body, headers={"Authorization": f"Basic {basic}"})
            in_body = await client.post(path, json={**body, "writeKey": there.write_key})
            for refused in (header, in_body):
                assert refused.status_code == 401, refused.text
                assert refused.json()["message"] == "write key: unknown"
        settings = await client.get(f"/v1/projects/{there.write_key}/settings")
        assert settings.status_code == 401
    assert await here.container.stream.stats() == stats


async def subscriptions_hear_only_their_workspace(here: World, there: World) -> None:
    """`profileUpdated` on `here`'s API for `there`'s profile hears nothing of its changes,
    while a subscription to `here`'s own profile on the same connection hears its change."""
    query = "subscription($p:String!){profileUpdated(profileId:$p){profileId kind}}"
    url = here.api.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {here.admin_key}"}}
        await ws.send(json.dumps(init))
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
        for sub, pid in (("there", there.profile), ("here", here.profile)):
            payload = {"query": query, "variables": {"p": pid}}
            await ws.send(json.dumps({"id": sub, "type": "subscribe", "payload": payload}))
        frames: list[dict[str, Any]] = []
        for attempt in range(30):  # until the subscriptions are in place
            plan = f"plan_{attempt}"
            await there.container.profiles.set_trait(there.profile, "plan", plan, by="matrix")
            await here.container.profiles.set_trait(here.profile, "plan", plan, by="matrix")
            try:
                frames.append(json.loads(await asyncio.wait_for(ws.recv(), 1.0)))
                break
            except TimeoutError:
                continue
        try:
            while True:
                frames.append(json.loads(await asyncio.wait_for(ws.recv(), 0.5)))
        except TimeoutError:
            pass
    assert frames and {f.get("id") for f in frames} == {"here"}, frames
    assert frames[0]["payload"]["data"]["profileUpdated"] == {
        "profileId": here.profile,
        "kind": "traits",
    }


# --- fixtures and the test ---------------------------------------------------------------------


@pytest.fixture
def other_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "workspace": THERE,
            "admin_api_key": SecretStr("elsewhere-admin-key-" + "x" * 24),
        }
    )


@pytest_asyncio.fixture
async def other(other_settings: Settings, container: Container) -> AsyncIterator[Container]:
    """A second workspace on the same Neo4j and Valkey (after `container` wiped both)."""
    built = await build_container(other_settings)
    await built.prepare_graph()
    try:
        yield built
    finally:
        await built.close()


@pytest_asyncio.fixture
async def other_api_url(other_settings: Settings, other: Container) -> AsyncIterator[str]:
    """The second workspace's own API, a real app served by uvicorn over loopback."""
    async with served(other_settings) as url:
        yield url


def exercised(case_list: list[Case]) -> set[str]:
    """Root fields and `field.argument`s the cases exercise, with the subscription's."""
    found = {"profileUpdated", "profileUpdated.profileId"}  # subscriptions_hear_only_...
    for case in case_list:
        found.add(case.field)
        found.update(f"{case.field}.{a}" for a in case.arguments)
    return found


def uncovered(done: set[str]) -> list[str]:
    missing = []
    for name, arguments in root_fields().items():
        if name not in done and name not in FIELDS_WITHOUT_REFERENCES:
            missing.append(name)
        for argument in arguments:
            known = f"{name}.{argument}" in done
            if not known and (name, argument) not in ARGUMENTS_WITHOUT_REFERENCES:
                missing.append(f"{name}({argument})")
    return missing


def test_every_root_field_and_argument_is_covered_or_allowed() -> None:
    """Runs without services: every root field and argument of the SDL has a case or is
    allowed with a reason, and the allow-lists name nothing the schema lacks."""
    fields = root_fields()
    unknown = set(FIELDS_WITHOUT_REFERENCES) - set(fields)
    stale = {f"{f}.{a}" for f, a in ARGUMENTS_WITHOUT_REFERENCES if a not in fields.get(f, [])}
    assert not unknown and not stale, (unknown, stale)
    blank = World(cast(Container, None), "", "x", "")
    missing = uncovered(exercised(cases(blank, blank, 0, {"fields": {}})))
    assert not missing, f"not covered by the workspace matrix: {', '.join(missing)}"


@pytest.mark.timeout(360)  # two workspaces, two APIs, two passes: slow on a busy machine
async def test_no_id_key_or_name_of_one_workspace_reaches_into_another(
    api_url: str,
    other_api_url: str,
    settings: Settings,
    other_settings: Settings,
    container: Container,
    other: Container,
) -> None:
    here = World(container, api_url, "a", settings.admin_api_key.get_secret_value())
    there = World(other, other_api_url, "b", other_settings.admin_api_key.get_secret_value())
    await populate(here)
    await populate(there)
    ran: set[str] = set()
    for one, two in ((here, there), (there, here)):
        await keys_of_one_workspace_are_unknown_to_the_other(one, two)
        ran.update(await run_matrix(one, two))
        await subscriptions_hear_only_their_workspace(one, two)
    ran.update({"profileUpdated", "profileUpdated.profileId"})
    missing = uncovered(ran)
    assert not missing, f"not covered by the workspace matrix: {', '.join(missing)}"
