"""A journey defined through GraphQL by a marketer, triggered by a tracked event, carried out
by a real arq worker (including a deferred wait) and calling a real webhook receiver."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from arq.worker import Worker

from app.bootstrap import Container
from app.settings import Settings
from tests.burst_worker import run_burst
from tests.messages import message
from tests.support.graphql import graphql_data
from tests.support.webhooks import Receiver

pytestmark = pytest.mark.integration


async def _burst(settings: Settings) -> Worker:
    return await run_burst(settings, worker_runs_segments=False)


def _onboarding(receiver_url: str) -> dict[str, Any]:
    """On a consented sign-up: call the webhook, wait a second, then tag the profile."""
    return {
        "name": "onboarding",
        "trigger": {"event": "Signed Up", "where": {"consent": "analytics"}},
        "start": "notify",
        "steps": {
            "notify": {
                "type": "action",
                "action": {"kind": "webhook", "url": receiver_url, "purpose": "analytics"},
                "next": "later",
            },
            "later": {"type": "wait", "seconds": 1, "next": "mark"},
            "mark": {"type": "action", "action": {"kind": "add_tag", "tag": "onboarded"}},
        },
    }


async def _saved_and_activated(api_url: str, key: str, definition: dict[str, Any]) -> None:
    saved = await graphql_data(
        api_url,
        key,
        "mutation($d: JSON!){saveJourney(definition:$d){__typename ... on Journey{version}"
        " ... on InvalidJourney{message}}}",
        d=definition,
    )
    assert saved["saveJourney"] == {"__typename": "Journey", "version": 1}
    await graphql_data(
        api_url, key, 'mutation{setJourneyActive(name:"onboarding",active:true){__typename}}'
    )


async def _two_sign_ups_one_consented(container: Container) -> None:
    """new-2 gave no consent: the trigger's filter keeps it out."""
    feed = container.change_dispatcher("test")
    await feed.ensure_group()
    sign_up = message(user="new-1", event="Signed Up")
    consented = dataclasses.replace(
        sign_up, context={"consent": {"categoryPreferences": {"analytics": True}}}
    )
    await container.ingestion.ingest([consented, message(user="new-2", event="Signed Up")])
    await feed.step(block_ms=100)


async def test_a_journey_through_graphql_the_feed_and_a_real_worker(
    container: Container, settings: Settings, api_url: str, receiver: Receiver
) -> None:
    key = (await container.apikeys.create("growth", "marketer", None)).secret
    await _saved_and_activated(api_url, key, _onboarding(receiver.url))
    await _two_sign_ups_one_consented(container)
    worker = await _burst(settings)
    assert worker.jobs_failed == 0
    (request,) = receiver.requests
    assert json.loads(request["body"])["step"] == "notify"

    view = await container.profiles.profile_by_identifier("user_id", "new-1")
    assert view is not None
    runs = await graphql_data(
        api_url,
        key,
        "query($id:String!){profile(id:$id){tags journeyRuns{journey status steps}}}",
        id=view.id,
    )
    profile = runs["profile"]
    assert profile["tags"] == ["onboarded"]
    [run] = profile["journeyRuns"]
    assert run["status"] == "completed"
    assert [(s["step"], s["outcome"]) for s in run["steps"]] == [
        ("notify", "taken"),
        ("later", "waiting"),
        ("later", "waited"),
        ("mark", "taken"),
    ]
    stats = await graphql_data(api_url, key, '{journey(name:"onboarding"){running stats}}')
    assert stats["journey"]["running"] == 0
    assert stats["journey"]["stats"]["notify"] == {"taken": 1}
