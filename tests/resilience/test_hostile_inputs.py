"""Hostile input, a committed corpus: the tracking API and /graphql never answer with a 5xx.

Every case below is sent to the real app over loopback HTTP while /healthz is polled: deep
nesting (65 to 100,000 levels), huge strings and numbers, invalid and overlong UTF-8, lone
surrogates, NUL and control characters, a byte order mark, duplicate keys, wrong content types,
empty bodies, broken and bomb-sized compression, and for GraphQL aliases, fragments and their
cycles, directives, batching, long operation names, unicode names, introspection in
production, 10,000 tokens, variables of the wrong type and persisted-query extensions. Each
answer is a 4xx that names the problem (or, for GraphQL, a 200 whose `errors` do), or the
acceptance the case documents; /healthz answers within a second throughout; a refused tracking
request appends nothing to the stream, and what was accepted is resolved without a failure;
no answer repeats the personal value the corpus carries.

Regressions: an event name of 30,000 characters was accepted and then failed every write of
its batch in Neo4j (index entries hold about 8 KB) until it was dead-lettered; a number id past
2^64 became a float, so two such ids were one identifier; a GraphQL variable of the wrong type
was answered "Unexpected error.", while a literal of the wrong type, an unknown operation name
and a malformed identifier type were repeated in the answer (the last in the log too); a
refused JSON text was answered "malformed JSON" without saying what was wrong with it.

The corpus itself: hostile_corpus (what a case is), hostile_tracking_cases, and the GraphQL
cases in hostile_graphql_body_cases and hostile_graphql_document_cases.
"""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from pydantic import SecretStr

from app.bootstrap import Container
from app.entrypoints.api import create_app
from app.settings import Settings
from tests.pipeline import drain
from tests.resilience.hostile_corpus import JSON_TYPE, PERSONAL, Case
from tests.resilience.hostile_graphql_body_cases import (
    body_and_content_type_cases,
    compression_and_accept_cases,
    encoding_cases,
    nesting_cases,
    number_cases,
)
from tests.resilience.hostile_graphql_document_cases import (
    fragment_and_directive_cases,
    get_cases,
    header_and_extension_cases,
    literal_and_value_cases,
    operation_cases,
    variable_type_cases,
)
from tests.resilience.hostile_tracking_cases import tracking_cases

pytestmark = pytest.mark.integration


def graphql_cases(source_id: str) -> list[Case]:
    """The GraphQL corpus, in the order it is sent; `source_id`: a source of the workspace, so
    `track` and `identify` reach validation."""
    return [
        *nesting_cases(),
        *number_cases(),
        *encoding_cases(),
        *body_and_content_type_cases(),
        *compression_and_accept_cases(),
        *fragment_and_directive_cases(),
        *operation_cases(),
        *variable_type_cases(),
        *literal_and_value_cases(source_id),
        *header_and_extension_cases(),
        *get_cases(),
    ]


# --- running it -----------------------------------------------------------------------------


def message_of(response: httpx.Response) -> str:
    """What the answer says is wrong: the tracking error's message, GraphQL's errors, or the
    plain text of an HTTP-level refusal."""
    try:
        body = response.json()
    except ValueError:
        return response.text
    if isinstance(body, dict) and "errors" in body:
        return " | ".join(str(e.get("message")) for e in body["errors"] or [])
    if isinstance(body, dict) and "message" in body:
        return str(body["message"])
    return response.text


def problems_with(case: Case, response: httpx.Response) -> list[str]:
    """What is wrong with the answer to `case` (nothing, usually)."""
    found = []
    if response.status_code != case.status:
        found.append(f"{response.status_code} instead of {case.status}: {response.text[:300]}")
    if PERSONAL in response.text:
        found.append("the answer repeats the personal value")
    said = message_of(response)
    if case.names and case.names not in said:
        found.append(f"the answer does not name the problem ({case.names!r}): {said[:300]}")
    graphql_ok = case.path == "/graphql" and response.status_code == 200
    if graphql_ok and not case.data_ok and not response.json().get("errors"):
        found.append(f"a 200 without errors: {response.text[:300]}")
    if case.path.startswith("/v1/") and response.status_code != 200:
        body = response.json()
        if set(body) != {"success", "error", "code", "message"} or body["success"] is not False:
            found.append(f"not the tracking error body: {response.text[:300]}")
    return found


async def _watch_health(client: httpx.AsyncClient, stop: asyncio.Event, seen: list[float]) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        answer = await client.get("/healthz", timeout=10)
        assert answer.status_code == 200
        seen.append(time.perf_counter() - started)
        await asyncio.sleep(0.05)


@pytest.fixture
async def health_watch(api_url: str) -> AsyncIterator[list[float]]:
    """/healthz latencies, polled for as long as the test runs."""
    seen: list[float] = []
    stop = asyncio.Event()
    async with httpx.AsyncClient(base_url=api_url) as client:
        task = asyncio.create_task(_watch_health(client, stop, seen))
        await asyncio.sleep(0)
        yield seen
        stop.set()
        await task


async def run_corpus(
    api_url: str,
    cases: list[Case],
    headers: dict[str, str],
    after_each: Callable[[Case, httpx.Response], Awaitable[list[str]]] | None = None,
) -> tuple[list[str], float]:
    """Every case, one after the other; the failures and the slowest answer's time."""
    failures = []
    slowest = 0.0
    async with httpx.AsyncClient(base_url=api_url, timeout=20) as client:
        for case in cases:
            started = time.perf_counter()
            raw_names = {name.lower() for name, _ in case.raw_headers}
            sent = [
                (name.encode(), value.encode())
                for name, value in {**headers, **case.headers}.items()
                if name.encode().lower() not in raw_names
            ]
            response = await client.request(
                case.method,
                case.path,
                content=case.body or None,
                headers=[*sent, *case.raw_headers],
            )
            slowest = max(slowest, time.perf_counter() - started)
            problems = problems_with(case, response)
            if after_each is not None:
                problems += await after_each(case, response)
            failures += [f"{case.name}: {p}" for p in problems]
    return failures, slowest


@pytest.mark.timeout(180)
async def test_the_tracking_api_refuses_hostile_input_with_a_4xx_and_appends_nothing(
    api_url: str, container: Container, health_watch: list[float]
) -> None:
    write_key = (await container.sources.create("hostile")).write_key
    cases = tracking_cases()
    basic = base64.b64encode(f"{write_key}:".encode()).decode()
    headers = {"Authorization": f"Basic {basic}", **JSON_TYPE}
    total = [0]  # messages accepted so far

    async def appended(case: Case, response: httpx.Response) -> list[str]:
        accepted = (await container.stream.stats()).get("accepted", 0)
        expected = total[0] + (case.appends if response.status_code == 200 else 0)
        total[0] = accepted
        if accepted != expected:
            return [f"the stream holds {accepted} accepted messages, not {expected}"]
        return []

    started = time.perf_counter()
    failures, slowest = await run_corpus(api_url, cases, headers, appended)
    took = time.perf_counter() - started
    assert not failures, "\n".join(failures)
    assert health_watch and max(health_watch) < 1.0, f"/healthz took {max(health_watch):.2f} s"
    # What was accepted reaches the graph: no hostile message fails the resolver.
    await drain(container)
    stats = await container.stream.stats()
    assert stats.get("failed", 0) == 0 and stats.get("dead_lettered", 0) == 0, stats
    assert stats["processed"] == total[0]
    print(f"{len(cases)} tracking cases in {took:.1f} s, slowest {slowest:.2f} s")


@pytest.mark.timeout(180)
async def test_graphql_answers_hostile_input_with_a_4xx_or_errors_that_name_the_problem(
    api_url: str, container: Container, settings: Settings, health_watch: list[float]
) -> None:
    source = (await container.sources.create("hostile")).source.id
    cases = graphql_cases(source)
    headers = {"Authorization": f"Bearer {settings.admin_api_key.get_secret_value()}"}
    started = time.perf_counter()
    failures, slowest = await run_corpus(api_url, cases, headers)
    took = time.perf_counter() - started
    assert not failures, "\n".join(failures)
    assert health_watch and max(health_watch) < 1.0, f"/healthz took {max(health_watch):.2f} s"
    # Both refused messages (the 30,000 character name, the id past 2^64) appended nothing.
    assert (await container.stream.stats()).get("accepted", 0) == 0
    print(f"{len(cases)} GraphQL cases in {took:.1f} s, slowest {slowest:.2f} s")


async def test_production_refuses_introspection_however_it_is_asked(
    container: Container,
) -> None:
    production = Settings(
        env="production",
        neo4j_uri="neo4j://db.internal:7687",
        neo4j_password=SecretStr("a-long-real-password"),
        admin_api_key=SecretStr("a" * 40),
        default_write_key=SecretStr("w" * 40),
        hmac_keys=SecretStr("k2:" + "QUJD" * 12),
        kek=SecretStr("S0VL" * 11),
        outbound_secrets=SecretStr("s" * 40),
    )
    app = create_app(production)  # no lifespan: the test's container serves it
    app.state.container = container
    asks = [
        "{__schema{types{name}}}",
        '{__type(name:"Query"){fields{name}}}',
        "query{a:__schema{queryType{name}}}",
        "{...F} fragment F on Query{__schema{types{name}}}",
        "{health{status} __schema{directives{name}}}",
    ]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://cdp") as client:
        for ask in asks:
            for response in (
                await client.post("/graphql", json={"query": ask}),
                await client.get("/graphql", params={"query": ask}),
            ):
                assert response.status_code == 200, response.text
                errors = response.json()["errors"]
                assert any("introspection" in e["message"].lower() for e in errors), ask
        typo = await client.post("/graphql", json={"query": "{helth{status}}"})
        assert "Did you mean" not in typo.text
        ide = await client.get("/graphql", headers={"Accept": "text/html"})
        assert ide.status_code == 404
