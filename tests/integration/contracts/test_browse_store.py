"""The browse store: the in-memory fake pages, filters and cuts identity graphs as the Neo4j
store does."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from itertools import pairwise

import pytest

from app.adapters.stores.browsing import Neo4jProfileBrowseStore
from app.bootstrap import Container
from app.ports.browsing import (
    EventFilter,
    EventRow,
    GraphEdgeView,
    GraphNodeView,
    Neighbourhood,
    ProfileBrowseStore,
    ProfileQuery,
)
from app.services.identity.ingestion import event_id
from tests.fakes.browsing import InMemoryProfileBrowseStore
from tests.messages import message
from tests.support.profiles import profile_id

pytestmark = pytest.mark.integration

T0 = 1_700_000_000.0
WS = "default"


@dataclass
class BrowseBench:
    store: ProfileBrowseStore
    #: Identifies a user (with a plan, and an e-mail if given) at a time; returns the profile.
    person: Callable[[str, float, str, str | None], Awaitable[str]]
    #: Tracks an event of a user (name, time, message id); returns the event's id.
    track: Callable[[str, str, float, str], Awaitable[str]]


def _memory() -> BrowseBench:
    fake = InMemoryProfileBrowseStore()

    def row(user: str, mid: str, type: str, name: str | None, at: float) -> EventRow:
        return EventRow(
            f"{WS}:src-test:{mid}", type, name, at, at, "src-test", (), "sealed", user, "user_id"
        )

    async def person(user: str, at: float, plan: str, email: str | None) -> str:
        pid = f"p-{user}"
        types = {"user_id", "email"} if email else {"user_id"}
        fake.add(pid, at, plain={"plan": plan}, identifier_types=types)
        fake.add_event(pid, row(user, f"{user}-id", "identify", None, at))
        nodes = [GraphNodeView(f"{t}:{user}", t, pid, False, False) for t in sorted(types)]
        edges = tuple(
            GraphEdgeView(a.key, b.key, "LINKED", "identify", 0.9, 1, True, None)
            for a, b in pairwise(nodes)
        )
        graph = Neighbourhood(pid, tuple(nodes), edges)
        fake.set_graph(pid, graph, {n.key: 0 for n in nodes})
        return pid

    async def track(user: str, name: str, at: float, mid: str) -> str:
        event = row(user, mid, "track", name, at)
        fake.add_event(f"p-{user}", event)
        return event.id

    return BrowseBench(fake, person, track)


@pytest.fixture(params=["memory", "neo4j"])
def bench(request: pytest.FixtureRequest) -> Iterator[BrowseBench]:
    if request.param == "memory":
        yield _memory()
        return
    container: Container = request.getfixturevalue("container")
    assert container.settings.workspace == WS

    async def person(user: str, at: float, plan: str, email: str | None) -> str:
        identify = message(
            "identify",
            user=user,
            email=email,
            traits={"plan": plan},
            at=at,
            message_id=f"{user}-id",
        )
        await container.ingestion.ingest([identify])
        return await profile_id(container, "user_id", user)

    async def track(user: str, name: str, at: float, mid: str) -> str:
        tracked = message(user=user, event=name, at=at, message_id=mid)
        await container.ingestion.ingest([tracked])
        return event_id(WS, tracked)

    yield BrowseBench(Neo4jProfileBrowseStore(container.identity), person, track)


async def test_profiles_come_in_id_order_after_a_cursor_and_filtered(bench: BrowseBench) -> None:
    store = bench.store
    pids = []
    for n in range(4):
        email = "b-1@example.org" if n == 1 else None
        pids.append(await bench.person(f"b-{n}", T0 + n, "pro" if n % 2 else "free", email))
    everyone, ordered = ProfileQuery(), sorted(pids)
    first = await store.profiles_page("", 2, everyone)
    assert [v.id for v in first] == ordered[:2]
    assert {(v.status, v.merged_into) for v in first} == {("active", None)}
    assert [v.id for v in await store.profiles_page(ordered[1], 10, everyone)] == ordered[2:]
    pro = ProfileQuery(trait=("plan", "pro"))
    assert [v.id for v in await store.profiles_page("", 10, pro)] == sorted([pids[1], pids[3]])
    assert await store.count_profiles(pro) == 2
    with_email = ProfileQuery(identifier_type="email")
    assert [v.id for v in await store.profiles_page("", 10, with_email)] == [pids[1]]
    nobody = ProfileQuery(trait=("plan", "gold"), identifier_type="email")
    assert await store.profiles_page("", 10, nobody) == []
    assert (await store.count_profiles(nobody), await store.count_profiles(everyone)) == (0, 4)


async def test_events_come_newest_first_equal_times_by_id(bench: BrowseBench) -> None:
    store = bench.store
    pid = await bench.person("e-1", T0, "free", None)
    b = await bench.track("e-1", "Viewed", T0 + 5, "m-b")
    a = await bench.track("e-1", "Viewed", T0 + 5, "m-a")
    c = await bench.track("e-1", "Bought", T0 + 9, "m-c")
    everything = EventFilter()
    page = await store.events_page(pid, everything, None, 10)
    assert [e.id for e in page][:3] == [c, a, b] and len(page) == 4
    assert (page[0].name, page[0].at, page[0].owner_type, page[-1].type) == (
        "Bought",
        T0 + 9,
        "user_id",
        "identify",
    )
    assert [e.id for e in await store.events_page(pid, everything, (T0 + 5, a), 1)] == [b]
    assert [e.id for e in await store.events_page(pid, EventFilter(name="Bought"), None, 10)] == [c]
    window = EventFilter(since=T0 + 5, until=T0 + 9)
    assert [e.id for e in await store.events_page(pid, window, None, 10)] == [a, b]
    assert await store.count_events(pid, window) == 2
    assert await store.count_events(pid, everything) == 4
    assert await store.event_counts([pid, "nobody"]) == {pid: 4}
    assert await store.tags(pid) == [] and await store.tags("nobody") == []


async def test_an_identity_graph_holds_at_most_max_nodes_and_only_edges_among_them(
    bench: BrowseBench,
) -> None:
    store = bench.store
    pid = await bench.person("g-1", T0, "free", "g-1@example.org")
    full = await store.identity_graph(pid, 0, 10)
    assert full is not None and full.profile == pid
    assert sorted(n.type for n in full.nodes) == ["email", "user_id"]
    assert {n.profile for n in full.nodes} == {pid}
    keys = {n.key for n in full.nodes}
    assert full.edges and all(e.source in keys and e.target in keys for e in full.edges)
    assert {e.kind for e in full.edges} == {"LINKED"}
    capped = await store.identity_graph(pid, 0, 1)
    assert capped is not None and len(capped.nodes) == 1 and capped.edges == ()
    assert await store.identity_graph("nobody", 1, 10) is None
