"""The re-decision run store: the in-memory fake keeps runs and pages profiles as the Neo4j
store does."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest

from app.adapters.stores.redecisions import Neo4jRedecisionStore
from app.bootstrap import Container
from app.ports.redecisions import DONE, RUNNING, WAITING, ProfilePage, RedecisionRun
from app.ports.redecisions import RedecisionStore as Store
from tests.fakes.redecisions import InMemoryRedecisionStore
from tests.messages import message
from tests.support.profiles import profile_id

pytestmark = pytest.mark.integration

T0 = 1_700_000_000.0


@dataclass
class Runs:
    store: Store
    other: Store
    #: A person with observations from these sources; answers the profile id.
    person: Callable[[str, tuple[str, ...]], Awaitable[str]]


def _memory() -> Runs:
    fake = InMemoryRedecisionStore("ws")

    async def person(user: str, sources: tuple[str, ...]) -> str:
        fake.add_profile(f"p-{user}", *sources)
        return f"p-{user}"

    return Runs(fake, fake.in_workspace("other"), person)


def _neo4j(container: Container) -> Runs:
    ws = container.settings.workspace

    async def person(user: str, sources: tuple[str, ...]) -> str:
        await container.ingestion.ingest(
            [message("identify", user=user)]
            + [message("identify", user=user, traits={"plan": s}, source=s) for s in sources]
        )
        return await profile_id(container, "user_id", user)

    return Runs(
        Neo4jRedecisionStore(container.graph, ws),
        Neo4jRedecisionStore(container.graph, "other"),
        person,
    )


@pytest.fixture(params=["memory", "neo4j"])
def runs(request: pytest.FixtureRequest) -> Runs:
    if request.param == "memory":
        return _memory()
    return _neo4j(request.getfixturevalue("container"))


def _run(run_id: str, source: str | None, at: float) -> RedecisionRun:
    return RedecisionRun(run_id, "ws", "source_trust", source, "admin", WAITING, at, at + 31)


async def test_runs_are_kept_newest_first_and_only_in_their_workspace(runs: Runs) -> None:
    await runs.store.create(_run("r-1", "crm", T0))
    await runs.store.create(_run("r-2", None, T0 + 1))
    got = await runs.store.get("r-1")
    assert got is not None and (got.source, got.status, got.after, got.checked) == (
        "crm",
        WAITING,
        "",
        0,
    )
    assert [r.id for r in await runs.store.latest(10)] == ["r-2", "r-1"]
    assert [r.id for r in await runs.store.latest(10, "crm")] == ["r-1"]
    assert [r.id for r in await runs.store.unfinished()] == ["r-1", "r-2"]
    assert await runs.other.get("r-1") is None and await runs.other.latest(10) == []
    assert await runs.other.start("r-1", 5, T0) is None


async def test_a_cursor_moves_only_from_where_its_runner_found_it(runs: Runs) -> None:
    await runs.store.create(_run("r-1", "crm", T0))
    started = await runs.store.start("r-1", 7, T0 + 31)
    assert started is not None and (started.status, started.total) == (RUNNING, 7)
    moved = dataclasses.replace(started, after="p-1", checked=1, redecided=1, heartbeat_at=T0 + 32)
    assert await runs.store.advance(started, moved)
    assert not await runs.store.advance(started, moved)  # a second runner, found it at ""
    again = await runs.store.start("r-1", 99, T0 + 40)  # resumed: keeps its total and cursor
    assert again is not None and (again.total, again.after, again.checked) == (7, "p-1", 1)
    await runs.store.finish("r-1", T0 + 50)
    done = await runs.store.get("r-1")
    assert done is not None and (done.status, done.finished_at) == (DONE, T0 + 50)
    assert await runs.store.start("r-1", 1, T0 + 60) is None
    assert await runs.store.unfinished() == []


async def test_pages_are_in_id_order_and_pick_the_profiles_of_a_source(runs: Runs) -> None:
    people = {
        "u-1": await runs.person("u-1", ("crm",)),
        "u-2": await runs.person("u-2", ("web",)),
        "u-3": await runs.person("u-3", ("crm", "web")),
    }
    ids = sorted(people.values())
    assert await runs.store.count_active() == 3
    first = await runs.store.page("", 2, "crm")
    rest = await runs.store.page(first.checked[-1], 2, "crm")
    assert first.checked + rest.checked == ids
    crm = {people["u-1"], people["u-3"]}
    assert first.concerned + rest.concerned == [pid for pid in ids if pid in crm]
    assert await runs.store.page("", 10, None) == ProfilePage(ids, ids)
    assert await runs.other.page("", 10, None) == ProfilePage([], [])
