"""No personal value sent by a tracker is stored in clear anywhere in the graph."""

from __future__ import annotations

from typing import Any

import pytest

from app.bootstrap import Container
from app.services.identity.curated import IdentifierRef
from tests.messages import message

pytestmark = pytest.mark.integration

SECRETS = {
    "email": "Plain.Text.Scan@Example.org",
    "phone": "+44 20 7946 0123",
    "user": "user-secret-4711",
    "anon": "anon-secret-0815",
    "device": "device-secret-42",
    "crm": "crm-secret-991",
    "name": "Zebedee Quux",
    "street": "12 Secret Lane",
}
# Normalised spellings must not appear either.
NEEDLES = [v.lower() for v in SECRETS.values()] + ["+442079460123", "plain.text.scan"]


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return [str(value)]


async def test_a_scan_of_every_property_finds_no_personal_value(container: Container) -> None:
    await container.ingestion.ingest(
        [
            message(
                "identify",
                user=SECRETS["user"],
                anon=SECRETS["anon"],
                email=SECRETS["email"],
                phone=SECRETS["phone"],
                device=SECRETS["device"],
                external=[{"id": SECRETS["crm"], "type": "crm_id", "collection": "users"}],
                traits={"name": SECRETS["name"], "address": {"street": SECRETS["street"]}},
            ),
            message(
                anon=SECRETS["anon"],
                properties={"shipping": SECRETS["street"], "buyer": SECRETS["name"]},
            ),
        ]
    )
    await container.curation.unlink(IdentifierRef.of("email", SECRETS["email"]), "tester", "scan")
    rows = await container.graph.read("admin/all_properties")
    assert len(rows) > 10  # the scan saw the graph
    found = [
        (key, needle)
        for row in rows
        for key, value in row["props"].items()
        for text in _strings(value)
        for needle in NEEDLES
        if needle in text.lower()
    ]
    assert found == []
    # ...and the values are still there for those allowed to see them, decrypted.
    profile = await container.profiles.profile_by_identifier("user_id", SECRETS["user"])
    assert profile is not None
    values = {i.value for i in await container.profiles.identifiers(profile.id)}
    assert SECRETS["user"] in values and "crm-secret-991" in values
