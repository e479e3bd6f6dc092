"""The logs of every process hold no personal data and no secret, whatever the traffic.

The API and the worker run as the real processes, logging at INFO (access lines included);
traffic carries marker values in every place a tracker or a frontend can put them (traits,
properties, GraphQL arguments in a GET query string, literals in invalid and unauthenticated
GraphQL, the write key in the settings path). Afterwards no log line holds a marker.

Regression: uvicorn's access lines recorded GraphQL GET query strings (literal e-mails) and
write keys in `/v1/projects/<key>/settings`; strawberry logged every GraphQL error with its
source line, literals included, unauthenticated ones too.
"""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path
from urllib.parse import quote

import httpx
import orjson
import pytest

from app.bootstrap import Container
from app.settings import Settings
from tests.processes import free_port, start_cli, stop
from tests.subprocess_env import process_env

pytestmark = pytest.mark.integration

EMAIL = "Zebedee.LogMarker@Example.com"
PHONE = "+44 20 7946 0958"
NAME = "Zebedee Quixotemarker"
SECRET_WORD = "marmalade-logmarker-property"
MARKERS = (EMAIL, EMAIL.lower(), "+442079460958", "7946 0958", NAME, "Quixotemarker", SECRET_WORD)


async def _traffic(base: str, write_key: str, admin: str) -> None:
    basic = {"Authorization": "Basic " + base64.b64encode(f"{write_key}:".encode()).decode()}
    bearer = {"Authorization": f"Bearer {admin}"}
    lookup = f'{{ profileByIdentifier(type: "email", value: "{EMAIL}") {{ id traits }} }}'
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        identify = {
            "userId": "log-user-1",
            "anonymousId": "log-anon-1",
            "traits": {"email": EMAIL, "phone": PHONE, "name": NAME},
        }
        assert (await client.post("/v1/identify", json=identify, headers=basic)).status_code == 200
        track = {"userId": "log-user-1", "event": "Ordered", "properties": {"note": SECRET_WORD}}
        assert (await client.post("/v1/track", json=track, headers=basic)).status_code == 200
        bad = {"userId": ["x"], "event": SECRET_WORD}
        assert (await client.post("/v1/track", json=bad, headers=basic)).status_code == 400
        settings_path = f"/v1/projects/{write_key}/settings"
        assert (await client.get(settings_path)).status_code == 200
        for headers in (bearer, {}):
            await client.get(f"/graphql?query={quote(lookup)}", headers=headers)
            await client.post("/graphql", json={"query": lookup}, headers=headers)
        invalid = f'{{ profileByIdentifier(typ: "email", value: "{EMAIL}") {{ id }} }}'
        await client.post("/graphql", json={"query": invalid}, headers=bearer)
        wrong_type = f'{{ profileByIdentifier(type: "email", value: {{a: "{NAME}"}}) {{ id }} }}'
        await client.post("/graphql", json={"query": wrong_type})


async def test_no_process_logs_a_personal_value_or_a_write_key(
    container: Container, settings: Settings, tmp_path: Path
) -> None:
    write_key = (await container.sources.create("web")).write_key
    admin = (await container.apikeys.create("ops", "admin", None)).secret
    port = free_port()
    env = process_env(settings, CDP_LOG_LEVEL="INFO", CDP_LOG_JSON="true")
    api_log, worker_log = tmp_path / "api.log", tmp_path / "worker.log"
    api = await start_cli(["api", "--port", str(port)], env, api_log)
    worker = await start_cli(["worker"], env, worker_log)
    try:
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base) as probe:
            for _ in range(300):
                try:
                    if (await probe.get("/readyz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
            else:
                raise AssertionError("the API did not start: " + api_log.read_text()[-2000:])
        await _traffic(base, write_key, admin)
        for _ in range(600):
            stats = await container.stream.stats()
            if stats.get("processed", 0) >= 2 and stats.get("pending", 0) == 0:
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("the worker did not resolve: " + worker_log.read_text()[-2000:])
        await asyncio.sleep(1.0)  # the real-time layer reacts to the change feed
    finally:
        await stop(api)
        await stop(worker)
    api_text, worker_text = api_log.read_text(), worker_log.read_text()
    said = [str(orjson.loads(line)["msg"]) for line in api_text.splitlines() if line[:1] == "{"]
    # The logs were written at the level that shows requests: the test can see a leak.
    assert '- - "POST /v1/identify HTTP/1.1" 200' in said
    assert '- - "GET /graphql HTTP/1.1" 200' in said
    assert '- - "GET /v1/projects/<write-key>/settings HTTP/1.1" 200' in said
    assert said.count("graphql request refused") >= 4
    for name, text in (("api", api_text), ("worker", worker_text)):
        lowered = text.lower()
        for marker in (*MARKERS, write_key, admin):
            assert marker.lower() not in lowered, f"{name} log holds {marker!r}"
        assert "127.0.0.1:" not in text.replace(f"127.0.0.1:{port}", ""), "client address"
