"""Every frontend operation in graphql/operations/ runs against the live API without errors
(the schema test proves they validate; this proves they work)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.bootstrap import Container
from app.settings import Settings
from tests.messages import message

pytestmark = pytest.mark.integration

OPERATIONS = Path(__file__).resolve().parents[2] / "graphql" / "operations"
IDENT = {"type": "email", "value": "ops@example.org"}
SEGMENT = {"name": "with_email", "condition": {"identifier": "email"}}
DESTINATION = {"name": "ops_hook", "kind": "webhook", "config": {"url": "https://hooks.example/x"}}
JOURNEY = {
    "name": "hello",
    "trigger": {"segment_entered": "with_email"},
    "start": "tag",
    "steps": {"tag": {"type": "action", "action": {"kind": "add_tag", "tag": "hello"}}},
}
#: Run over WebSocket by tests/integration/test_graphql_subscriptions.py.
SUBSCRIPTIONS = {"ProfileUpdated"}
#: A successful answer of each mutation (other union members are failures here).
SUCCESS = {
    "BlockIdentifier": "Blocked",
    "UnblockIdentifier": "Blocked",
    "UnlinkIdentifier": "Unlinked",
    "MergeProfiles": "Merged",
    "SetConsent": "ConsentRecorded",
    "PreviewErasure": "ErasurePreview",
    "ExportSubject": "SubjectExport",
    "EraseSubject": "Erasure",
    "Track": "Resolved",
    "SaveSegment": "Segment",
    "SetSegmentActive": "Segment",
    "PreviewSegment": "SegmentPreview",
    "ValidateJourney": "JourneyValid",
    "SaveJourney": "Journey",
    "SetJourneyActive": "Journey",
    "SaveDestination": "Destination",
    "SetDestinationActive": "Destination",
    "Identify": "Resolved",
    "CreateApiKey": "ApiKeyCreated",
    "RevokeApiKey": "ApiKeyRevoked",
}


#: The order operations run in: reads first, then the mutations each later one relies on.
ORDER = [
    "Profile",
    "ProfileByIdentifier",
    "Profiles",
    "ProfileEvents",
    "IdentityGraph",
    "ExplainLink",
    "GenericIdentifiers",
    "Purposes",
    "SetConsent",
    "MayUse",
    "ProfileConsents",
    "BlockIdentifier",
    "UnblockIdentifier",
    "MergeProfiles",
    "UnlinkIdentifier",
    "Track",
    "Identify",
    "PreviewSegment",
    "SaveSegment",
    "SetSegmentActive",
    "Segments",
    "Segment",
    "ValidateJourney",
    "SaveJourney",
    "SetJourneyActive",
    "Journeys",
    "ProfileJourneys",
    "SaveDestination",
    "SetDestinationActive",
    "ReplayDestination",
    "Destinations",
    "Plugins",
    "IngestionSeries",
    "CreateApiKey",
    "ApiKeys",
    "RevokeApiKey",
    "AuditLog",
    "PreviewErasure",
    "ExportSubject",
    "EraseSubject",
    "Erasure",
]


@dataclass
class Run:
    """What the operations refer to: known up front, or answered by an earlier operation."""

    me: str
    source: str
    merge_ids: list[str] = field(default_factory=list)
    erasure_id: list[str] = field(default_factory=list)
    key_ids: list[str] = field(default_factory=list)


def variables_of(run: Run) -> dict[str, Callable[[], Any]]:
    """Each operation's variables, read when it runs (some need an earlier answer)."""
    me, source = run.me, run.source
    return {
        "Profile": lambda: {"id": me},
        "ProfileByIdentifier": lambda: IDENT,
        "Profiles": lambda: {"first": 10},
        "ProfileEvents": lambda: {"id": me, "first": 10},
        "ProfileConsents": lambda: {"id": me},
        "IdentityGraph": lambda: {"profileId": me, "depth": 1},
        "ExplainLink": lambda: {"a": IDENT, "b": {"type": "anonymous_id", "value": "ops-a"}},
        "GenericIdentifiers": lambda: {"limit": 10},
        "Purposes": dict,
        "MayUse": lambda: {"profileId": me, "purpose": "marketing"},
        "SetConsent": lambda: {"identifier": IDENT, "purpose": "marketing", "granted": True},
        "BlockIdentifier": lambda: {"identifier": {"type": "anonymous_id", "value": "ops-third"}},
        "UnblockIdentifier": lambda: {"identifier": {"type": "anonymous_id", "value": "ops-third"}},
        "UnlinkIdentifier": lambda: {"identifier": {"type": "anonymous_id", "value": "ops-a"}},
        "Track": lambda: {
            "message": {"userId": "ops-u", "event": "Opened"},
            "sourceId": source,
        },
        "Identify": lambda: {
            "message": {"userId": "ops-new", "traits": {"plan": "pro"}},
            "sourceId": source,
        },
        "AuditLog": dict,
        "SaveSegment": lambda: {"definition": SEGMENT},
        "PreviewSegment": lambda: {"definition": SEGMENT},
        "SetSegmentActive": lambda: {"name": "with_email", "active": True},
        "Segments": dict,
        "Segment": lambda: {"name": "with_email"},
        "ValidateJourney": lambda: {"definition": JOURNEY},
        "SaveJourney": lambda: {"definition": JOURNEY},
        "SetJourneyActive": lambda: {"name": "hello", "active": True},
        "Journeys": dict,
        "ProfileJourneys": lambda: {"id": me},
        "SaveDestination": lambda: {"definition": DESTINATION},
        "SetDestinationActive": lambda: {"name": "ops_hook", "active": False},
        "ReplayDestination": lambda: {"name": "ops_hook"},
        "Destinations": dict,
        "Plugins": dict,
        "PreviewErasure": lambda: {"identifier": IDENT},
        "ExportSubject": lambda: {"identifier": IDENT},
        "EraseSubject": lambda: {"identifier": IDENT, "reason": "test"},
        "Erasure": lambda: {"id": run.erasure_id[0]},
        "IngestionSeries": lambda: {"minutes": 10},
        "CreateApiKey": lambda: {"name": "ops key", "role": "viewer", "expiresDays": 30},
        "ApiKeys": dict,
        "RevokeApiKey": lambda: {"id": run.key_ids[0]},
        "MergeProfiles": lambda: {"ids": run.merge_ids, "reason": "same visitor"},
    }


@pytest.fixture
async def resolving(container: Container) -> AsyncIterator[None]:
    stop = asyncio.Event()
    task = asyncio.create_task(container.resolver("ops-test").run(stop, block_ms=50))
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


async def _pid(container: Container, type: str, value: str) -> str:
    view = await container.profiles.profile_by_identifier(type, value)
    assert view is not None
    return view.id


async def _the_world(container: Container) -> Run:
    """A profile with an e-mail, two anonymous visitors, and a source."""
    await container.ingestion.ingest(
        [
            message("identify", user="ops-u", anon="ops-a", email="ops@example.org"),
            message(anon="ops-other"),
            message(anon="ops-third"),
        ]
    )
    source = (await container.sources.create("ops")).source.id
    return Run(me=await _pid(container, "email", "ops@example.org"), source=source)


async def _answer(client: httpx.AsyncClient, key: str, name: str, variables: dict[str, Any]) -> Any:
    """The one field an operation answers, after checking it has no errors and is not null."""
    query = (OPERATIONS / f"{name}.graphql").read_text(encoding="utf-8")
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": variables, "operationName": name},
        headers={"Authorization": f"Bearer {key}"},
    )
    body = response.json()
    assert "errors" not in body, (name, body["errors"])
    (answer,) = body["data"].values()
    assert answer is not None, name
    return answer


async def test_every_operation_runs(
    container: Container, api_url: str, settings: Settings, resolving: None
) -> None:
    run = await _the_world(container)
    variables = variables_of(run)
    files = {p.stem for p in OPERATIONS.glob("*.graphql")}
    assert files - SUBSCRIPTIONS == set(ORDER), "every operation needs a run here"
    key = settings.admin_api_key.get_secret_value()
    async with httpx.AsyncClient(base_url=api_url) as client:
        for name in ORDER:
            if name == "MergeProfiles":
                run.merge_ids[:] = [
                    await _pid(container, "anonymous_id", "ops-other"),
                    await _pid(container, "anonymous_id", "ops-third"),
                ]
            answer = await _answer(client, key, name, variables[name]())
            if name in SUCCESS:
                assert answer["__typename"] == SUCCESS[name], (name, answer)
            if name == "EraseSubject":
                run.erasure_id.append(answer["id"])
            if name == "CreateApiKey":
                run.key_ids.append(answer["key"]["id"])
