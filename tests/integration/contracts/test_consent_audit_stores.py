"""The consent and audit stores: the in-memory fakes behave as the Neo4j stores do."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest

from app.adapters.stores.audit import Neo4jAuditStore
from app.adapters.stores.consent import Neo4jConsentStore
from app.bootstrap import Container
from app.domain.consent import Decision
from app.ports.audit import AuditEntry, AuditStore
from app.ports.consent import ConsentStore, PurposeSpec
from tests.fakes.audit import InMemoryAuditStore
from tests.fakes.consent import InMemoryConsentStore
from tests.messages import message

pytestmark = pytest.mark.integration

T0 = 1_700_000_000.0


@dataclass
class ConsentBench:
    store: ConsentStore
    #: Records a decision given with an anonymous id; returns the profile it belongs to.
    decide: Callable[[str, str, bool, float], Awaitable[str]]


@pytest.fixture(params=["memory", "neo4j"])
def consent(request: pytest.FixtureRequest) -> ConsentBench:
    """A sync fixture: it asks for the async `container` only when the store is Neo4j."""
    if request.param == "memory":
        fake = InMemoryConsentStore()

        async def decide_in_memory(anon: str, purpose: str, granted: bool, at: float) -> str:
            fake.record(f"profile-of-{anon}", Decision(f"{anon}:{at}", purpose, granted, at, "src"))
            return f"profile-of-{anon}"

        return ConsentBench(fake, decide_in_memory)
    container: Container = request.getfixturevalue("container")

    async def decide_in_graph(anon: str, purpose: str, granted: bool, at: float) -> str:
        base = message(anon=anon, at=at, source="src")
        context = {**base.context, "consent": {"categoryPreferences": {purpose: granted}}}
        await container.ingestion.ingest([dataclasses.replace(base, context=context)])
        view = await container.profiles.profile_by_identifier("anonymous_id", anon)
        assert view is not None
        return view.id

    return ConsentBench(Neo4jConsentStore(container.identity), decide_in_graph)


async def test_purposes_are_saved_listed_by_name_and_counted(consent: ConsentBench) -> None:
    store = consent.store
    await store.save_purposes(
        [PurposeSpec("surveys", "asking", True, True), PurposeSpec("ads", "", False, False)], T0
    )
    await store.save_purposes([PurposeSpec("ads", "advertising", True, False)], T0 + 1)
    await consent.decide("a-1", "ads", True, T0)
    views = [
        (p.name, p.description, p.default_granted, p.configured, p.decisions)
        for p in await store.purposes()
        if p.name in {"ads", "surveys"}
    ]
    assert views == [("ads", "advertising", True, False, 1), ("surveys", "asking", True, True, 0)]
    defaults = await store.defaults()
    assert (defaults["ads"], defaults["surveys"]) == (True, True)


async def test_decisions_come_back_oldest_first_and_by_purpose(consent: ConsentBench) -> None:
    store = consent.store
    await store.save_purposes([PurposeSpec("ads", "", False, True)], T0)
    pid = await consent.decide("a-1", "ads", True, T0 + 5)
    assert pid == await consent.decide("a-1", "ads", False, T0 + 9)
    other = await consent.decide("a-2", "ads", True, T0 + 1)
    history = await store.decisions_of(pid)
    assert [(d.purpose, d.granted, d.at) for d in history] == [
        ("ads", True, T0 + 5),
        ("ads", False, T0 + 9),
    ]
    by_profile, default = await store.verdict_inputs_of_many([pid, other, "nobody"], "ads")
    assert sorted(by_profile) == sorted([pid, other]) and default is False
    assert [(d.granted, d.at) for d in by_profile[pid]] == [(True, T0 + 5), (False, T0 + 9)]
    assert await store.verdict_inputs_of_many([pid], "unheard_of") == ({}, None)
    assert await store.verdict_inputs_of_many([], "ads") == ({}, False)
    decisions, default = await store.verdict_inputs(pid, "ads")
    assert [d.at for d in decisions] == [T0 + 5, T0 + 9] and default is False
    assert await store.verdict_inputs(pid, "unheard_of") == ([], None)


@pytest.fixture(params=["memory", "neo4j"])
def audit(request: pytest.FixtureRequest) -> AuditStore:
    if request.param == "memory":
        return InMemoryAuditStore()
    container: Container = request.getfixturevalue("container")
    return Neo4jAuditStore(container.graph, container.settings.workspace)


def _entry(id: str, at: float, action: str, target: str | None) -> AuditEntry:
    return AuditEntry(id, at, "admin:1", action, target, {"count": 2, "names": ["x"]})


async def test_audit_entries_come_back_newest_first_filtered_and_redacted(
    audit: AuditStore,
) -> None:
    await audit.append(
        [_entry("e1", T0, "profile.read", "p1"), _entry("e2", T0 + 1, "erasure", "p1")]
    )
    await audit.append([_entry("e3", T0 + 2, "profile.read", "p2")])
    assert [e.id for e in await audit.entries(10, None, float("inf"))] == ["e3", "e2", "e1"]
    assert [e.id for e in await audit.entries(10, "profile.read", T0 + 2)] == ["e1"]
    assert [e.id for e in await audit.entries(1, None, float("inf"))] == ["e3"]
    assert (await audit.entries(1, "erasure", float("inf")))[0].details == {
        "count": 2,
        "names": ["x"],
    }
    assert await audit.redact_targets(["p1"], "erasure:1") == 2
    assert {e.target for e in await audit.entries(10, None, float("inf"))} == {"erasure:1", "p2"}
