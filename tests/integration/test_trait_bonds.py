"""Golden records weighed by bonds on a real Neo4j: evidence seen on an identifier counts as
much as the identity graph binds that identifier to the profile."""

from __future__ import annotations

import httpx
import orjson
import pytest

from app.bootstrap import Container
from app.settings import Settings
from tests.identity_checks import profile_id
from tests.messages import message

pytestmark = pytest.mark.integration

T0 = 1_700_000_000.0
DAY = 86_400.0
#: The device joins through the anonymous id: co-occurrence (0.6) x identify (0.9).
WEAK = 0.6 * 0.9


async def _weakly_linked_device(container: Container, device_at: float) -> str:
    """The login says "Zenith" at T0; a device seen beside its anonymous id says "Aardvark"
    (which sorts first: without bonds, a tie goes to it) at `device_at`."""
    await container.ingestion.ingest(
        [message("identify", user="u-1", anon="a-1", traits={"company": "Zenith"}, at=T0)]
    )
    await container.ingestion.ingest([message(anon="a-1", device="d-1", at=T0)])
    await container.ingestion.ingest(
        [message(device="d-1", traits={"company": "Aardvark"}, at=device_at)]
    )
    pid = await profile_id(container, "user_id", "u-1")
    assert await profile_id(container, "device_id", "d-1") == pid
    return pid


async def _stored_entry(container: Container, pid: str, name: str) -> dict[str, object]:
    rows = await container.graph.read(
        "traits/profile_golden", id=pid, ws=container.settings.workspace
    )
    entry: dict[str, object] = orjson.loads(rows[0]["golden"])[name]
    return entry


async def test_the_logins_value_beats_the_same_age_value_of_a_weakly_linked_device(
    api_url: str, settings: Settings, container: Container
) -> None:
    pid = await _weakly_linked_device(container, T0)
    assert (await container.profiles.traits(pid))["company"] == "Zenith"
    assert (await _stored_entry(container, pid, "company"))["bond"] == 1.0

    why = await container.profiles.trait(pid, "company")
    assert why is not None
    assert [(c.value, c.trust, c.decay) for c in why.candidates] == [
        ("Zenith", 0.5, 1.0),
        ("Aardvark", 0.5, 1.0),
    ]
    assert [c.bond for c in why.candidates] == [1.0, pytest.approx(WEAK)]
    assert why.candidates[1].weight == pytest.approx(0.5 * WEAK)

    headers = {"Authorization": f"Bearer {settings.admin_api_key.get_secret_value()}"}
    query = (
        f'{{ profile(id: "{pid}") {{ trait(name: "company") {{ winner {{ value bond }} '
        "candidates { value trust bond decay weight } } } }"
    )
    async with httpx.AsyncClient(base_url=api_url, headers=headers) as client:
        body = (await client.post("/graphql", json={"query": query})).json()
    trait = body["data"]["profile"]["trait"]
    assert trait["winner"] == {"value": "Zenith", "bond": 1.0}
    weak = trait["candidates"][1]
    assert (weak["value"], weak["trust"], weak["decay"]) == ("Aardvark", 0.5, 1.0)
    assert weak["bond"] == pytest.approx(WEAK) and weak["weight"] == pytest.approx(0.5 * WEAK)


async def test_a_newer_device_value_wins_once_the_device_is_identified_with_the_login(
    container: Container,
) -> None:
    # 60 days newer, the device's value outweighs the login's decayed one (0.5 ** (60/180) =
    # 0.79) only when its bond is above that: 0.54 through the anonymous id is not.
    pid = await _weakly_linked_device(container, T0 + 60 * DAY)
    assert (await container.profiles.traits(pid))["company"] == "Zenith"

    # The person logs in on the device: identify evidence straight to the login (0.9). No
    # identifier moves and no trait is observed, yet the record is decided again.
    report = await container.ingestion.ingest(
        [message("identify", user="u-1", device="d-1", at=T0 + 61 * DAY)]
    )
    assert await profile_id(container, "device_id", "d-1") == pid
    assert (await container.profiles.traits(pid))["company"] == "Aardvark"
    entry = await _stored_entry(container, pid, "company")
    assert (entry["value"], entry["bond"]) == ("Aardvark", 0.9)
    assert entry["weight"] == pytest.approx(0.5 * 0.9)
    traits = [n.related for n in report.notices if n.profile_id == pid and n.kind == "traits"]
    assert traits == [("company",)]
    why = await container.profiles.trait(pid, "company")
    assert why is not None
    assert [(c.value, c.bond) for c in why.candidates] == [("Aardvark", 0.9), ("Zenith", 1.0)]
    assert why.candidates[1].decay == pytest.approx(0.5 ** (60 / 180))
