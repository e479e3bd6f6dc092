"""How long the console's pages wait on the API, on a graph of the development data set's size.

`python -m bench.console_latency` starts what `make run` starts (its own Neo4j and Valkey, the
API serving the built console, the worker with the benchmark workspace's segments, journeys and
destination active), seeds the graph to `--profiles` resolved profiles (100,000 by default),
sends generated Segment-spec traffic through /v1/batch so that real, decryptable people exist,
waits for the worker to catch up, then drives headless Chromium through every page of the
console for `--rounds` rounds: the overview, the profile list, a search by e-mail, a person's
profile (golden record, graph, events, consents), a segment's editor with its live preview,
the journeys, the explanation of two identifiers, the privacy page with an erasure preview,
sources and API keys. Each GraphQL request is timed in the browser (Playwright's request
timing: from the start of the request to the end of the response) and filed under its page
and its operation name; the result gives p50 / p95 / max per page and per operation, and the
overall p95 against the 300 ms budget. The console must be built (`make console`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import re
import shutil
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from playwright.async_api import Page, Request, async_playwright

from app.adapters.valkey.keys import WorkspaceKeys
from app.bootstrap import Container, build_container
from app.entrypoints.console import SOURCE_BUILD
from app.settings import Settings
from bench.core import feed_backlog
from bench.generator import TrafficGenerator
from bench.load import basic_auth, encode_all, percentile, post_all
from bench.receiver import WebhookReceiver
from bench.seed import count_profiles, seed_to
from bench.stack import BenchServices, StackOptions, free_port, start_api, start_worker, wait_ready
from bench.traffic_model import TrafficConfig
from bench.workspace import Workspace, apply

#: Debian's Chromium (Playwright's own browsers are not downloaded).
CHROMIUM = os.environ.get("CDP_TEST_CHROMIUM") or next(
    filter(None, map(shutil.which, ("chromium", "chromium-browser"))), None
)

BUDGET_MS = 300.0
#: A page is done when no GraphQL request has been in flight for this long (seconds).
QUIET = 0.5
_OPERATION = re.compile(r"\b(?:query|mutation)\s+([A-Za-z_][A-Za-z0-9_]*)")


def _summary(values: list[float]) -> dict[str, float | int]:
    ordered = sorted(values)
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(percentile(ordered, 95), 1),
        "max_ms": round(ordered[-1], 1),
    }


class Timings:
    """GraphQL requests the browser made, by page and by operation (milliseconds)."""

    def __init__(self) -> None:
        #: The page being visited; None while nothing is measured (signing in, warming up).
        self.page: str | None = None
        self.by_page: dict[str, list[float]] = defaultdict(list)
        self.by_operation: dict[str, list[float]] = defaultdict(list)
        self._started_on: dict[Request, str | None] = {}

    @property
    def in_flight(self) -> int:
        return len(self._started_on)

    def started(self, request: Request) -> None:
        """A request is filed under the page that made it."""
        if request.url.endswith("/graphql"):
            self._started_on[request] = self.page

    def failed(self, request: Request) -> None:
        self._started_on.pop(request, None)

    def record(self, request: Request) -> None:
        page = self._started_on.pop(request, None)
        if page is None or request.method != "POST":
            return
        timing = request.timing
        took = timing["responseEnd"]
        if took < 0:  # no timing for this request (served from nowhere)
            return
        found = _OPERATION.search(request.post_data or "")
        operation = found.group(1) if found else "(anonymous)"
        self.by_page[page].append(took)
        self.by_operation[operation].append(took)

    def report(self) -> dict[str, Any]:
        every = [v for values in self.by_page.values() for v in values]
        return {
            "overall": _summary(every) if every else None,
            "pages": {p: _summary(v) for p, v in sorted(self.by_page.items())},
            "operations": {o: _summary(v) for o, v in sorted(self.by_operation.items())},
        }


def _people(generator: TrafficGenerator, events: int) -> tuple[list[tuple[bytes, int]], list[str]]:
    """Encoded /v1/batch bodies, and e-mail addresses people logged in with."""
    batches = list(generator.batches(events))
    emails: list[str] = []
    for batch in batches:
        for m in batch.messages:
            email = (m.get("traits") or {}).get("email")
            if m.get("type") == "identify" and isinstance(email, str) and email not in emails:
                emails.append(email)
    bodies, _ = encode_all(batches)
    return bodies, emails


async def _settle(container: Container, timeout: float = 1200.0) -> float:
    """Until the worker has nothing left: the stream, the change feed (segments and journeys
    kept current) and due jobs (segment activations over the whole graph); the seconds."""
    keys = WorkspaceKeys(container.settings.workspace)
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        pending = (await container.stream.stats()).get("pending", 0)
        changes = await feed_backlog(container.redis, keys.changes)
        jobs = await container.redis.zcount(keys.job_queue, "-inf", int(time.time() * 1000))
        if not (pending or changes or jobs):
            return round(time.monotonic() - started, 1)
        await asyncio.sleep(1.0)
    raise RuntimeError(f"the worker did not settle within {timeout:.0f}s")


class _Forms:
    """What a person types on the pages that take input: a search by e-mail, the explanation
    of two e-mails, an erasure preview."""

    def __init__(self, page: Page, email: str, other: str) -> None:
        self.page, self.email, self.other = page, email, other

    async def search(self) -> None:
        await self.page.get_by_label("Identifier value").fill(self.email)
        await self.page.get_by_role("button", name="Find").click()
        await self.page.get_by_test_id("trait-email").wait_for()

    async def explain(self) -> None:
        await self.page.get_by_label("First identifier value").fill(self.email)
        await self.page.get_by_label("Second identifier type").select_option("email")
        await self.page.get_by_label("Second identifier value").fill(self.other)
        await self.page.get_by_role("button", name="Explain").click()

    async def preview(self) -> None:
        await self.page.get_by_label("Subject identifier value").fill(self.email)
        await self.page.get_by_role("button", name="Preview").click()
        await self.page.get_by_test_id("erasure-preview").wait_for()


async def _pages(
    page: Page,
    base: str,
    timings: Timings,
    emails: list[str],
    profile_ids: list[str],
    n: int,
    *,
    measured: bool = True,
) -> None:
    """One round over every page; `n` picks this round's person."""

    async def quiet() -> None:
        """Until no GraphQL request has been in flight for QUIET seconds. (A hash route is a
        same-document navigation: the browser's own network-idle state never resets.)"""
        calm_since = time.monotonic()
        while time.monotonic() - calm_since < QUIET:
            await asyncio.sleep(0.05)
            if timings.in_flight:
                calm_since = time.monotonic()

    async def visit(
        name: str,
        route: str,
        ready: str,
        then: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        timings.page = name if measured else None
        await page.goto(f"{base}/console/{route}")
        await page.locator(ready).first.wait_for()
        await quiet()
        if then is not None:
            await then()
            await quiet()

    email = emails[n % len(emails)]
    forms = _Forms(page, email, emails[(n + 1) % len(emails)])
    search, explain, preview = forms.search, forms.explain, forms.preview

    person = profile_ids[n % len(profile_ids)]
    await visit("overview", "#/", "[data-testid=erasure-queue]")
    await visit("profiles", "#/profiles", "[data-testid=profile-count]")
    await visit("profile search", "#/explain", "#explain-title")  # leave the list first
    await visit("profile search", "#/profiles", "[data-testid=profile-count]", search)
    await visit("profile 360", f"#/profiles/{person}", "[data-testid=identifiers]")
    await visit("segments", "#/segments", "#segments-title")
    await visit("segment editor", "#/segments/buyers", "[data-testid=segment-preview]")
    await visit("segment members", "#/profiles?segment=buyers", "[data-testid=profile-count]")
    await visit("journeys", "#/journeys", "#journeys-title")
    await visit("why one person", "#/explain", "#explain-title", explain)
    await visit("privacy", "#/privacy", "[data-testid=erasures]", preview)
    await visit("sources", "#/sources", "[data-testid=destinations]")
    await visit("api keys", "#/keys", "[data-testid=api-keys]")


async def _load(
    container: Container, base: str, receiver: WebhookReceiver, events: int
) -> tuple[str, list[str], float]:
    """The workspace applied and generated traffic tracked until the worker settled: the
    admin key, the e-mails people logged in with, and the seconds the worker took."""
    admin = (await container.apikeys.create("console-latency", "admin", None)).secret
    await apply(base, admin, Workspace.load().with_receiver(receiver.url))
    source = await container.sources.create("web")
    day = 86_400.0
    config = TrafficConfig(seed=7, start=(math.floor(time.time() / day) - 30) * day)
    bodies, emails = _people(TrafficGenerator(config, container.rules), events)
    await post_all(base, basic_auth(source.write_key), bodies, 4)
    return admin, emails, await _settle(container)


async def _browse(
    base: str, admin: str, emails: list[str], profile_ids: list[str], rounds: int
) -> dict[str, Any]:
    """Chromium through every page, `rounds` times after one round not kept: the timings."""
    timings = Timings()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        page = await browser.new_page(viewport={"width": 1400, "height": 1000})
        page.on("request", timings.started)
        page.on("requestfinished", timings.record)
        page.on("requestfailed", timings.failed)
        await page.goto(f"{base}/console/")
        await page.get_by_label("API key").fill(admin)
        await page.get_by_role("button", name="Sign in").click()
        await page.get_by_test_id("who").wait_for()
        await _pages(page, base, timings, emails, profile_ids, 0, measured=False)
        for n in range(rounds):
            await _pages(page, base, timings, emails, profile_ids, n)
        timings.page = None
        await browser.close()
    return timings.report()


async def measure(options: argparse.Namespace) -> dict[str, Any]:
    if CHROMIUM is None:
        raise SystemExit("chromium is not installed (apt-get install chromium)")
    if not (SOURCE_BUILD / "index.html").is_file():
        raise SystemExit("the console is not built: make console")
    services = BenchServices(Settings(), StackOptions(workspace="console"))
    services.start()
    settings = services.settings()
    logs = settings.data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    container = await build_container(settings)
    await container.prepare_graph()
    api = worker = None
    receiver = WebhookReceiver(settings.signing_secrets)
    result: dict[str, Any] = {"budget_ms": BUDGET_MS, "rounds": options.rounds}
    try:
        started = time.monotonic()
        graph = container.graph
        seeded = await seed_to(
            graph.driver,
            graph.database,
            settings.workspace,
            options.profiles,
            kid=settings.hmac_keyring[0],
        )
        result["seed"] = seeded.as_dict()
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        api = start_api(settings, port, 1, logs)
        worker = start_worker(settings, logs)
        await asyncio.to_thread(wait_ready, api, base)
        admin, emails, settled = await _load(container, base, receiver, options.events)
        profile_ids = []
        for email in emails[:20]:
            found = await container.profiles.profile_by_identifier("email", email)
            if found is not None:
                profile_ids.append(found.id)
        result["data"] = {
            "profiles": await count_profiles(graph.driver, graph.database, settings.workspace),
            "seeded": seeded.after,
            "traffic_events": options.events,
            "people_logged_in": len(emails),
            "worker_settled_seconds": settled,
            "setup_seconds": round(time.monotonic() - started, 1),
        }
        result["latency"] = await _browse(base, admin, emails, profile_ids, options.rounds)
        overall = result["latency"]["overall"]
        result["within_budget"] = overall is not None and overall["p95_ms"] <= BUDGET_MS
    finally:
        for child in (worker, api):
            if child is not None:
                child.stop()
        receiver.close()
        await container.close()
        services.stop(wipe=True)
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=100_000, help="seeded profiles")
    parser.add_argument("--events", type=int, default=20_000, help="generated traffic events")
    parser.add_argument("--rounds", type=int, default=10, help="rounds over every page")
    parser.add_argument("--out", type=Path, default=None, help="where the JSON result goes")
    options = parser.parse_args(argv)
    result = asyncio.run(measure(options))
    text = json.dumps(result, indent=2)
    if options.out is not None:
        options.out.parent.mkdir(parents=True, exist_ok=True)
        options.out.write_text(text + "\n", encoding="utf-8")
    print(text)
    sys.exit(0 if result.get("within_budget") else 1)


if __name__ == "__main__":
    main()
