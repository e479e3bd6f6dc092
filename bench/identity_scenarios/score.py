"""Where the platform put each item, and the scores against both truths.

An item is looked up as the platform would look up what a tracker sent (its normaliser and
blocklist, then the workspace's blind index): an item the platform dropped, or whose node has
no profile, gets a profile of its own (`missing:<item>`), so it counts as split from its person
instead of being left out.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from app.bootstrap import Container
from app.domain.identity import BlockList
from app.domain.identity.spelling import event_region
from app.domain.messages import Dropped, classify_identifier
from bench.accuracy import evaluate
from bench.identity_scenarios.model import Sent
from bench.identity_scenarios.truth import Truth


async def placements(
    container: Container,
    items: Sequence[Sent],
    said: Mapping[Sent, tuple[str | None, str | None]],
) -> dict[Sent, str | None]:
    """Each item's profile in the workspace, or None (dropped, or not in the graph). `said`:
    where the message carrying the item said its country (trait, locale)."""
    rows = await container.graph.read("identity/partition", ws=container.settings.workspace)
    profile_of = {r["key"]: r["profiles"][0] for r in rows if len(r["profiles"]) == 1}
    sealer = container.profiles.sealer
    rules = container.rules
    blocklist = BlockList.from_rules(rules)
    found: dict[Sent, str | None] = {}
    for type_, raw in items:
        trait, locale = said.get((type_, raw), (None, None))
        region = event_region(
            {"country": trait} if trait else {},
            {"locale": locale} if locale else {},
            rules.phone_region_from,
            rules.default_region,
        )
        ident = classify_identifier(type_, raw, region, blocklist, rules.mailboxes)
        if isinstance(ident, Dropped):
            found[(type_, raw)] = None
            continue
        found[(type_, raw)] = profile_of.get(sealer.key_of(ident).key)
    return found


def _scores(
    placed: Mapping[Sent, str | None], truth: Mapping[Sent, str], items: Sequence[Sent]
) -> dict[str, Any]:
    predicted = {i: placed[i] or f"missing:{i[0]}:{i[1]}" for i in items}
    result = evaluate(predicted, {i: truth[i] for i in items}).as_dict()
    return {
        "pairwise": result["pairwise"],
        "bcubed": result["bcubed"],
        "true_clusters": result["true_clusters"],
        "predicted_clusters": result["predicted_clusters"],
    }


def score(
    placed: Mapping[Sent, str | None], truth: Truth, apart: Collection[str] = ()
) -> dict[str, Any]:
    """Per scenario and over all of them: against the human and the linkable truth; and,
    when scenarios are set `apart`, over all the others (`within`)."""
    every = sorted(truth.human)

    def both(items: Sequence[Sent]) -> dict[str, Any]:
        return {
            "items": len(items),
            "missing": sum(1 for i in items if placed[i] is None),
            "human": _scores(placed, truth.human, items),
            "linkable": _scores(placed, truth.linkable, items),
        }

    within = [i for name, items in truth.scenario_items.items() if name not in apart for i in items]
    return {
        "all": both(every),
        **({"within": {**both(sorted(within)), "apart": sorted(apart)}} if apart else {}),
        "scenarios": {
            name: both(sorted(items)) for name, items in sorted(truth.scenario_items.items())
        },
    }
