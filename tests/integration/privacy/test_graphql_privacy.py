"""The privacy officer's GraphQL operations (graphql/operations/*.graphql), run over real HTTP,
with the erasure carried out by a real arq worker."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from app.bootstrap import Container
from app.settings import Settings
from tests.burst_worker import run_burst
from tests.messages import message

pytestmark = pytest.mark.integration

OPERATIONS = Path(__file__).resolve().parents[3] / "graphql" / "operations"
T0 = 1_700_000_000.0


class Officer:
    def __init__(self, api_url: str, key: str) -> None:
        self.api_url = api_url
        self.key = key

    async def run(self, operation: str, **variables: Any) -> dict[str, Any]:
        query = (OPERATIONS / f"{operation}.graphql").read_text(encoding="utf-8")
        async with httpx.AsyncClient(base_url=self.api_url) as client:
            response = await client.post(
                "/graphql",
                json={"query": query, "variables": variables},
                headers={"Authorization": f"Bearer {self.key}"},
            )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data


@pytest.fixture
def officer(api_url: str, settings: Settings) -> Officer:
    return Officer(api_url, settings.admin_api_key.get_secret_value())


async def _run_worker(settings: Settings) -> None:
    await run_burst(settings)


def ident(type: str, value: str) -> dict[str, str]:
    return {"type": type, "value": value}


async def _consent_is_set_or_refused(officer: Officer) -> str:
    """Marketing granted by her e-mail; a past expiry and an unknown e-mail are refused.
    Returns her profile id."""
    recorded = (
        await officer.run(
            "SetConsent",
            identifier=ident("email", "gql@example.org"),
            purpose="marketing",
            granted=True,
        )
    )["setConsent"]
    assert recorded["__typename"] == "ConsentRecorded"
    pid: str = recorded["profileId"]
    refused = (
        await officer.run(
            "SetConsent", profileId=pid, purpose="marketing", granted=True, expiresAt=1.0
        )
    )["setConsent"]
    assert refused["__typename"] == "InvalidConsent" and "expiresAt" in refused["message"]
    unknown = (
        await officer.run(
            "SetConsent",
            identifier=ident("email", "nobody@example.org"),
            purpose="marketing",
            granted=True,
        )
    )["setConsent"]
    assert unknown["__typename"] == "IdentifierNotFound"
    return pid


async def _her_consent_reads_back(officer: Officer, pid: str) -> None:
    consents = (await officer.run("ProfileConsents", id=pid))["profile"]
    verdicts = {c["purpose"]: c for c in consents["consents"]}
    assert verdicts["marketing"]["allowed"] and verdicts["marketing"]["reason"] == "granted"
    assert verdicts["analytics"]["reason"] == "no_decision"
    assert [h["purpose"] for h in consents["consentHistory"]] == ["marketing"]
    may = (await officer.run("MayUse", profileId=pid, purpose="Advertising"))["mayUse"]
    assert (may["purpose"], may["allowed"]) == ("marketing", True)


async def _previewed_then_erased_by_a_worker(officer: Officer, settings: Settings) -> None:
    preview = await officer.run("PreviewErasure", identifier=ident("anonymous_id", "gql-a"))
    assert preview["previewErasure"]["events"] == 2
    assert preview["previewErasure"]["identifiers"] == {"user_id": 1, "email": 1, "anonymous_id": 1}
    started = (
        await officer.run("EraseSubject", identifier=ident("user_id", "gql-u"), reason="art. 17")
    )["eraseSubject"]
    assert started["__typename"] == "Erasure" and started["status"] == "requested"
    await _run_worker(settings)
    receipt = (await officer.run("Erasure", id=started["id"]))["erasure"]
    assert receipt["status"] == "completed"
    assert receipt["counts"]["events"] == 2 and receipt["counts"]["consents"] == 1
    gone = await officer.run("PreviewErasure", identifier=ident("user_id", "gql-u"))
    assert gone["previewErasure"]["__typename"] == "IdentifierNotFound"


async def test_consent_then_export_then_erasure_through_the_api(
    container: Container, settings: Settings, officer: Officer
) -> None:
    await container.ingestion.ingest(
        [
            message("identify", user="gql-u", email="gql@example.org", anon="gql-a", at=T0),
            message(anon="gql-a", properties={"sku": "A-1"}, at=T0 + 1),
        ]
    )
    purposes = (await officer.run("Purposes"))["purposes"]
    assert {p["name"] for p in purposes} >= {"analytics", "marketing", "personalisation"}

    pid = await _consent_is_set_or_refused(officer)
    await _her_consent_reads_back(officer, pid)

    exported = await officer.run("ExportSubject", identifier=ident("user_id", "gql-u"))
    document = exported["exportSubject"]["document"]
    assert {e["payload"]["properties"].get("sku") for e in document["events"]} >= {"A-1"}

    await _previewed_then_erased_by_a_worker(officer, settings)

    log = (await officer.run("AuditLog"))["auditLog"]
    actions = {e["action"] for e in log}
    assert {"consent.set", "subject.exported", "erasure.requested", "erasure.completed"} <= actions
    assert all(e["target"] != pid for e in log)  # entries naming her now name the erasure
