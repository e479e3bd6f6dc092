"""Bulk export on in-memory stores: values masked or in clear, and a clear export audited once
by the exporter itself, under the name its caller gives."""

from __future__ import annotations

import csv
import io

import orjson
import pytest

from app.adapters.identity_graph import IdentityGraph
from app.domain.traits import TraitSchema
from app.errors import InvalidInput
from app.ports.profiles import IdentifierRow
from app.services.identity.curation import CurationService
from app.services.identity.keys import Sealer
from app.services.integrations.exporting import ProfileExporter
from app.services.privacy.audit import AuditLog
from app.services.profiles.browse import ProfileBrowser
from app.services.profiles.schema import TraitSchemaService
from app.services.profiles.service import ProfileService
from app.services.profiles.traits import GoldenRecords, TraitObserver
from tests.fakes.audit import InMemoryAuditStore
from tests.fakes.browsing import InMemoryProfileBrowseStore
from tests.fakes.profiles import InMemoryProfileStore
from tests.fakes.trait_schema import InMemoryTraitSchemaStore
from tests.fakes.unused import unused

T0 = 1_700_000_000.0
OWNER = "ws:email:k1:aa"
SCHEMA = TraitSchema.from_mapping({"fields": {"plan": {"type": "string", "pii": "plain"}}})


async def _schema() -> TraitSchema:
    return SCHEMA


async def _trusts() -> dict[str, float]:
    return {}


@pytest.fixture
def audit() -> InMemoryAuditStore:
    return InMemoryAuditStore()


@pytest.fixture
async def exporter(sealer: Sealer, audit: InMemoryAuditStore) -> ProfileExporter:
    """Two active profiles; p-1 has an e-mail address, sealed."""
    browse = InMemoryProfileBrowseStore()
    browse.add("p-1", T0)
    browse.add("p-2", T0 + 1)
    store = InMemoryProfileStore()
    data_key = (await sealer.data_keys([OWNER], create=True))[OWNER]
    enc = sealer.seal(data_key, "jane@example.com", owner=OWNER, field="value")
    store.identifiers = [IdentifierRow("p-1", OWNER, "email", enc, T0, T0, 1, False, False)]
    profiles = ProfileService(
        unused(IdentityGraph),
        store,
        sealer,
        unused(CurationService),
        TraitObserver(sealer),
        GoldenRecords(_schema, _trusts),
    )
    return ProfileExporter(
        ProfileBrowser(browse, sealer, _schema),
        profiles,
        TraitSchemaService(InMemoryTraitSchemaStore(), SCHEMA),
        AuditLog(audit, clock=lambda: T0),
    )


async def test_a_masked_export_hides_values_and_leaves_no_entry(
    exporter: ProfileExporter, audit: InMemoryAuditStore
) -> None:
    out = io.StringIO()
    assert await exporter.export(out, "ndjson", reveal=False, by="erin") == 2
    rows = [orjson.loads(line) for line in out.getvalue().splitlines()]
    assert [r["id"] for r in rows] == ["p-1", "p-2"]
    assert "jane@example.com" not in out.getvalue()
    assert rows[0]["identifiers"][0]["type"] == "email"
    assert audit.written == []


async def test_a_clear_export_is_audited_once_under_the_callers_name(
    exporter: ProfileExporter, audit: InMemoryAuditStore
) -> None:
    out = io.StringIO()
    assert await exporter.export(out, "csv", reveal=True, by="erin", segment=None) == 2
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert list(rows[0]) == ["id", "created_at", "updated_at", "identifiers", "plan"]
    assert rows[0]["identifiers"] == "email:jane@example.com"
    assert [(e.actor, e.action, e.target, e.details) for e in audit.written] == [
        ("erin", "profiles.exported", None, {"profiles": 2})
    ]


async def test_an_unknown_format_is_refused_before_anything_is_written(
    exporter: ProfileExporter, audit: InMemoryAuditStore
) -> None:
    out = io.StringIO()
    with pytest.raises(InvalidInput, match="unknown export format 'xml'"):
        await exporter.export(out, "xml", reveal=True, by="erin")
    assert out.getvalue() == "" and audit.written == []
