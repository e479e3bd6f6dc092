"""The profile store: the in-memory fake answers profile reads as the Neo4j store does."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass

import pytest

from app.adapters.stores.profiles import Neo4jProfileStore
from app.bootstrap import Container
from app.domain.identity import Link
from app.domain.traits import Observation
from app.ports.profiles import (
    GoldenEntry,
    IdentifierRow,
    ProfileStore,
    ProfileView,
    SealedValue,
    TraitEvidence,
)
from tests.fakes.profiles import InMemoryProfileStore
from tests.messages import message
from tests.support.profiles import profile_id

pytestmark = pytest.mark.integration

T0 = 1_700_000_000.0


@dataclass
class ProfileBench:
    store: ProfileStore
    #: Identifies a user with an e-mail and a plan at a time; returns the profile.
    person: Callable[[str, float], Awaitable[str]]


def _memory() -> ProfileBench:
    fake = InMemoryProfileStore()

    def seen(field: str, value: str | None, owner: str, at: float) -> Observation:
        vid = f'"{value}"' if value else "hmac"
        return Observation(
            field, vid, value, "src-test", at, 1.0, 1, at, owner, f"o:{owner}:{field}"
        )

    async def person(user: str, at: float) -> str:
        pid, user_key, email_key = f"p-{user}", f"k:user_id:{user}", f"k:email:{user}"
        fake.add(ProfileView(pid, "active", None, at, at, 1))
        fake.identifiers += [
            IdentifierRow(pid, user_key, "user_id", "sealed", at, at, 1, False, False),
            IdentifierRow(pid, email_key, "email", "sealed", at, at, 0, False, False),
        ]
        fake.events[pid] = 1
        plan, email = seen("plan", "pro", user_key, at), seen("email", None, user_key, at)
        fake.observations[pid] = [plan, email]
        fake.links[pid] = [Link(min(user_key, email_key), max(user_key, email_key), "identify")]
        fake.values[plan.observation_id] = SealedValue(plan.observation_id, '"pro"', None, user_key)
        fake.values[email.observation_id] = SealedValue(email.observation_id, None, "enc", user_key)
        fake.golden[pid] = {
            o.field: GoldenEntry(
                o.value_id,
                o.value,
                o.value is None,
                o.source,
                at,
                1.0,
                "most_recent",
                o.observation_id,
            )
            for o in (plan, email)
        }
        return pid

    return ProfileBench(fake, person)


@pytest.fixture(params=["memory", "neo4j"])
def bench(request: pytest.FixtureRequest) -> Iterator[ProfileBench]:
    if request.param == "memory":
        yield _memory()
        return
    container: Container = request.getfixturevalue("container")

    async def person(user: str, at: float) -> str:
        email = f"{user}@example.org"
        identify = message("identify", user=user, email=email, traits={"plan": "pro"}, at=at)
        await container.ingestion.ingest([identify])
        return await profile_id(container, "user_id", user)

    yield ProfileBench(Neo4jProfileStore(container.identity), person)


async def test_a_profile_its_identifiers_and_its_events(bench: ProfileBench) -> None:
    store = bench.store
    one, two = await bench.person("u-1", T0), await bench.person("u-2", T0 + 1)
    view = await store.profile(one)
    assert view is not None
    assert (view.id, view.status, view.merged_into, view.version > 0) == (one, "active", None, True)
    assert await store.profile("nobody") is None
    rows = await store.identifiers_of([two, one, "nobody"])
    assert [(r.profile, r.type) for r in rows] == sorted(
        (pid, type) for pid in (one, two) for type in ("email", "user_id")
    )
    assert all(r.enc and not r.generic and not r.blocked for r in rows)
    assert sum(r.events for r in rows if r.profile == one) == 1
    assert (await store.event_count(one), await store.event_count("nobody")) == (1, 0)


async def test_golden_records_and_the_observations_they_come_from(bench: ProfileBench) -> None:
    store = bench.store
    pid = await bench.person("u-1", T0)
    golden = await store.golden_of([pid, "nobody"])
    assert list(golden) == [pid]
    plan, email = golden[pid]["plan"], golden[pid]["email"]
    assert (plan.value, plan.personal, email.value, email.personal) == ("pro", False, None, True)
    assert plan.observation and email.observation
    evidence = await store.evidence_of(pid)
    observed = evidence.observations
    assert {(o.field, o.value) for o in observed} == {("plan", "pro"), ("email", None)}
    assert {o.observation_id for o in observed} == {plan.observation, email.observation}
    owners = {r.key for r in await store.identifiers_of([pid])}
    assert {o.identifier for o in observed} <= owners
    # What the bonds are computed from: the identifiers and the edge the clustering followed.
    assert {n.key for n in evidence.members} == owners
    assert [({link.a, link.b}, link.rule) for link in evidence.links] == [(owners, "identify")]
    values = {
        v.key: v for v in await store.sealed_values([plan.observation, email.observation, "x"])
    }
    assert set(values) == {plan.observation, email.observation}
    assert (values[plan.observation].value, values[plan.observation].enc) == ('"pro"', None)
    assert values[email.observation].value is None and values[email.observation].enc
    assert {v.owner for v in values.values()} <= owners
    assert await store.evidence_of("nobody") == TraitEvidence()
    assert await store.sealed_values([]) == []


async def test_active_ids_page_in_id_order(bench: ProfileBench) -> None:
    pids = sorted([await bench.person(f"a-{n}", T0 + n) for n in range(3)])
    assert await bench.store.active_ids("", 2) == pids[:2]
    assert await bench.store.active_ids(pids[1], 10) == pids[2:]
    assert await bench.store.active_ids(pids[2], 10) == []
