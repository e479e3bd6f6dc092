"""Components made only of new identifiers are decided before the batch takes the lock.

The decision is checked under the lock: a component some of whose identifiers another batch
stored in the meantime, or whose message turned out to be a replay, is resolved from the
graph instead, so the result is the one one-by-one ingestion gives (tested on the in-memory
graph: tests/unit/services/identity/test_ingestion.py). Here, on Neo4j, what the decided
batch stores and the golden records it decides in the same transaction.
"""

from __future__ import annotations

import pytest

from app.bootstrap import Container
from app.ports.identity import IdentityTx
from tests.identity_checks import conflicts, partition, profile_id
from tests.messages import message

pytestmark = pytest.mark.integration


async def _active_profiles(container: Container) -> int:
    rows = await container.graph.read("bench/profile_count", ws=container.settings.workspace)
    return int(rows[0]["profiles"])


async def test_new_people_are_stored_attached_with_their_conflicts(container: Container) -> None:
    report = await container.ingestion.ingest(
        [
            message("identify", user="mum", device="ipad-1", email="mum@example.com", at=1.0),
            message("identify", user="son", device="ipad-1", at=2.0),
            message(anon="visitor-9", at=3.0),
        ]
    )
    mum = await profile_id(container, "user_id", "mum")
    son = await profile_id(container, "user_id", "son")
    assert mum != son
    assert await profile_id(container, "device_id", "ipad-1") == mum
    assert await profile_id(container, "email", "mum@example.com") == mum
    assert await profile_id(container, "anonymous_id", "visitor-9") not in {mum, son}
    assert [c.reason for c in report.new_conflicts] == ["type_cap:user_id"]
    recorded = await conflicts(container)
    assert [(c["rule"], c["refusal"]) for c in recorded] == [("identify", "type_cap:user_id")]
    assert len(await partition(container)) == 3
    assert await _active_profiles(container) == 3
    # The golden record was decided in the same transaction.
    assert (await container.profiles.traits(mum)).get("email") == "mum@example.com"


async def test_newcomers_golden_records_are_those_the_stored_observations_decide(
    container: Container,
) -> None:
    """A decided component's profiles get their golden records from the batch's observations;
    deciding them again from the graph changes nothing (same winners, same provenance)."""
    report = await container.ingestion.ingest(
        [
            message(
                "identify",
                user="ann",
                email="ann@example.com",
                at=1.0,
                traits={"firstName": "Ann", "plan": "free"},
            ),
            message(
                "identify",
                user="ann",
                email="ANN@example.com ",
                at=2.0,
                traits={"firstName": "Anne"},
                source="src-crm",
            ),
            message("identify", user="ann", anon="a-ann", at=3.0, traits={"plan": "pro"}),
            message(anon="a-ann", email="ann.work@example.com", phone="+14155550100", at=4.0),
            message("identify", user="bob", at=5.0, traits={"plan": "free", "age": 41}),
            message(anon="lurker", at=6.0),
        ]
    )
    assert report.stored == 6
    ids = sorted(
        {await profile_id(container, "user_id", u) for u in ("ann", "bob")}
        | {await profile_id(container, "anonymous_id", "lurker")}
    )
    assert len(ids) == 3
    stored = {pid: await _golden(container, pid) for pid in ids}
    assert all(stored.values())
    ann = await container.profiles.traits(await profile_id(container, "user_id", "ann"))
    assert ann["first_name"] == "Anne" and ann["plan"] == "pro"
    assert ann["email"] == "ann.work@example.com" and ann["phone"] == "+14155550100"
    ingestion = container.ingestion

    async def refresh(tx: IdentityTx) -> dict[str, set[str]]:
        return await ingestion.golden.refresh(tx, ids, 10.0)

    assert await ingestion.graph.write(refresh) == {}
    assert {pid: await _golden(container, pid) for pid in ids} == stored


async def _golden(container: Container, profile: str) -> str | None:
    rows = await container.graph.read(
        "traits/profile_golden", id=profile, ws=container.settings.workspace
    )
    golden: str | None = rows[0]["golden"]
    return golden
