"""`profileUpdated` over a real WebSocket (graphql-transport-ws), fired by a real merge."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from app.bootstrap import Container
from app.settings import Settings
from tests.messages import message

pytestmark = pytest.mark.integration

SUBSCRIBE = (
    Path(__file__).resolve().parents[2] / "graphql" / "operations" / "ProfileUpdated.graphql"
).read_text(encoding="utf-8")
MERGE = """
mutation($ids: [String!]!) { mergeProfiles(ids: $ids, reason: "same person") {
  __typename ... on Merged { profileId mergedIds } } }"""


async def _receive(ws: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), 10))
    return data


async def test_a_merge_reaches_subscribers_of_both_profiles(
    container: Container, api_url: str, settings: Settings
) -> None:
    await container.ingestion.ingest([message(anon="sub-a"), message(anon="sub-b")])
    ids = []
    for anon in ("sub-a", "sub-b"):
        view = await container.profiles.profile_by_identifier("anonymous_id", anon)
        assert view is not None
        ids.append(view.id)
    key = settings.admin_api_key.get_secret_value()
    url = api_url.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(
            json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {key}"}})
        )
        assert (await _receive(ws))["type"] == "connection_ack"
        for n, pid in enumerate(ids):
            await ws.send(
                json.dumps(
                    {
                        "id": str(n),
                        "type": "subscribe",
                        "payload": {"query": SUBSCRIBE, "variables": {"profileId": pid}},
                    }
                )
            )
        await asyncio.sleep(0.5)  # let both subscriptions reach Valkey
        async with httpx.AsyncClient(base_url=api_url) as client:
            response = await client.post(
                "/graphql",
                json={"query": MERGE, "variables": {"ids": ids}},
                headers={"Authorization": f"Bearer {key}"},
            )
        merged = response.json()["data"]["mergeProfiles"]
        assert merged["__typename"] == "Merged"
        survivor = merged["profileId"]
        gone = next(p for p in ids if p != survivor)
        seen: dict[str, tuple[str, list[str]]] = {}
        while len(seen) < 2:
            frame = await _receive(ws)
            assert frame["type"] == "next", frame
            update = frame["payload"]["data"]["profileUpdated"]
            seen[update["profileId"]] = (update["kind"], update["related"])
    assert seen == {survivor: ("merged", [gone]), gone: ("merged_into", [survivor])}


async def test_a_subscription_needs_credentials(api_url: str) -> None:
    url = api_url.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert (await _receive(ws))["type"] == "connection_ack"
        await ws.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": SUBSCRIBE, "variables": {"profileId": "x"}},
                }
            )
        )
        frame = await _receive(ws)
        assert frame["type"] == "error" or "errors" in frame.get("payload", {}), frame
        assert "Unauthorized" in json.dumps(frame)
