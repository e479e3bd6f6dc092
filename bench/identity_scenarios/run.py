"""`python -m bench.identity_scenarios.run` (`make accuracy`): every scenario at once, through
the platform's real path, in several arrival orders, scored against both truths.

Its own Neo4j and Valkey (the benchmark's instances, wiped at start). Each order runs in a
workspace of its own: the messages of all scenarios, mixed by arrival time, are parsed by the
Segment-spec parser as /v1/batch parses them, accepted onto the stream and resolved by the
real resolver:

- `arrival`: in arrival order, ten messages a request, the resolver stepping after each
  request (the small micro-batches of steady traffic);
- `shuffled-1`, `shuffled-2`: the same messages in two random orders, as above;
- `drain`: in arrival order, a hundred messages a request, all accepted before the resolver
  starts (the large batches of a backlog being drained).

In arrival order the review queue is then filled (the conflict sweep and the likely-duplicate
scan), its suggestions scored, and each decided as the truth says; the scores after that are
`after_review`.

With `--ablate`, the arrival order runs again once per rule of `ablation.py` with that rule
switched off: what each rule changes, scenario by scenario.

The JSON result goes to `--out`; `--markdown` writes the tables docs/accuracy.md shows.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app.bootstrap import Container, build_container
from app.domain.tracking.parse import Receipt, parse_batch
from app.ports.sources import Source
from app.settings import Settings
from bench.identity_scenarios.ablation import SWITCHED_OFF, rules_file
from bench.identity_scenarios.catalog import BEYOND_THE_CAPS, CATALOG, build
from bench.identity_scenarios.model import DAY, Scenario
from bench.identity_scenarios.report import markdown, scenario_table
from bench.identity_scenarios.review import review_queue
from bench.identity_scenarios.score import placements, score
from bench.identity_scenarios.truth import Truth, build_truth
from bench.stack import BenchServices, StackOptions

ORDERS = ("arrival", "shuffled-1", "shuffled-2", "drain")


def _ordered(scenarios: Sequence[Scenario], order: str) -> list[dict[str, Any]]:
    timed = [
        (arrives, n, message)
        for scenario in scenarios
        for n, (message, arrives) in enumerate(
            zip(scenario.script.messages, scenario.script.arrival, strict=True)
        )
    ]
    timed.sort(key=lambda t: (t[0], t[1]))
    messages = [m for _, _, m in timed]
    if order.startswith("shuffled"):
        random.Random(order).shuffle(messages)
    return messages


async def _resolve_all(container: Container, name: str) -> None:
    resolver = container.resolver(name)
    for _ in range(100_000):
        if (await container.stream.stats()).get("pending", 0) == 0:
            return
        await resolver.step(block_ms=20)
    raise RuntimeError("the resolver did not drain the stream")


async def _send(container: Container, source: Source, messages: list[dict[str, Any]]) -> None:
    """One /v1/batch request's worth, parsed and accepted as the API does."""
    receipt = Receipt(source.id, time.time(), container.settings.timestamp_horizon_days)
    await container.acceptance.accept(source, parse_batch({"batch": messages}, receipt))


async def run_order(
    settings: Settings, scenarios: Sequence[Scenario], order: str, label: str = ""
) -> tuple[Container, float]:
    ws = f"accuracy-{order}{label}"
    container = await build_container(settings.model_copy(update={"workspace": ws}))
    await container.prepare_graph()
    await container.stream.ensure_group()
    source = (await container.sources.create("scenarios")).source
    messages = _ordered(scenarios, order)
    started = time.monotonic()
    if order == "drain":
        for start in range(0, len(messages), 100):
            await _send(container, source, messages[start : start + 100])
        await _resolve_all(container, "accuracy")
    else:
        resolver = container.resolver("accuracy")
        for start in range(0, len(messages), 10):
            await _send(container, source, messages[start : start + 10])
            await resolver.step(block_ms=5)
        await _resolve_all(container, "accuracy")
    return container, time.monotonic() - started


async def _scored(
    settings: Settings,
    scenarios: Sequence[Scenario],
    truth: Truth,
    order: str,
    label: str = "",
    *,
    review: bool = False,
) -> dict[str, Any]:
    """One order's scores; with `review`, then the review queue's, and the scores once every
    suggestion is decided as the truth says."""
    container, seconds = await run_order(settings, scenarios, order, label)
    try:
        items = sorted(truth.human)
        placed = await placements(container, items, truth.said)
        scored = {"seconds": round(seconds, 1), **score(placed, truth, BEYOND_THE_CAPS)}
        if review:
            began = min(s.script.start for s in scenarios)
            bots = {b for s in scenarios for b in s.script.bots}
            scored["review"] = await review_queue(container, placed, truth.human, began, bots)
            after = await placements(container, items, truth.said)
            scored["after_review"] = score(after, truth, BEYOND_THE_CAPS)
        return scored
    finally:
        await container.close()


async def measure(
    names: list[str], seed: int, orders: Sequence[str], ablate: bool = False
) -> dict[str, Any]:
    start = (time.time() // DAY - 20) * DAY
    scenarios = build(names, seed, start)
    truth = build_truth(scenarios)
    services = BenchServices(Settings(), StackOptions(workspace="accuracy"))
    services.start()
    settings = services.settings()
    result: dict[str, Any] = {
        "seed": seed,
        "scenarios": {
            s.name: {"story": s.story, "expected": s.expected, "messages": s.size}
            for s in scenarios
        },
        "truth": {
            "items": len(truth.human),
            "people": len(set(truth.human.values())),
            "linkable_parts": len(set(truth.linkable.values())),
            "shared_values": truth.shared,
            "junk_values": truth.junk,
        },
        "orders": {},
    }
    try:
        for order in orders:
            result["orders"][order] = await _scored(
                settings, scenarios, truth, order, review=order == "arrival"
            )
        if ablate:
            result["without"] = {}
            with tempfile.TemporaryDirectory() as directory:
                for rule in SWITCHED_OFF:
                    off = settings.model_copy(
                        update={"identity_rules_file": rules_file(rule, Path(directory))}
                    )
                    scored = await _scored(off, scenarios, truth, "arrival", f"-without-{rule}")
                    result["without"][rule] = scored
    finally:
        services.stop(wipe=True)
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", action="append", choices=sorted(CATALOG), default=None)
    parser.add_argument("--order", action="append", choices=ORDERS, default=None)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--markdown", type=Path, default=None)
    parser.add_argument(
        "--ablate", action="store_true", help="also score arrival order without each rule"
    )
    options = parser.parse_args(argv)
    names = options.scenario or list(CATALOG)
    orders = options.order or list(ORDERS)
    result = asyncio.run(measure(names, options.seed, orders, options.ablate))
    text = json.dumps(result, indent=2)
    if options.out is not None:
        options.out.parent.mkdir(parents=True, exist_ok=True)
        options.out.write_text(text + "\n", encoding="utf-8")
    if options.markdown is not None:
        options.markdown.write_text(
            scenario_table(result) + "\n" + markdown(result), encoding="utf-8"
        )
    print(markdown(result))


if __name__ == "__main__":
    main()
