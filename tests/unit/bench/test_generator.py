"""The benchmark's traffic: reproducible, truthful, and resolvable to exactly its truth."""

from __future__ import annotations

from collections import Counter
from typing import Any

import orjson

from app.domain.identity import Evidence, IdentityRules, Node, aggregate, cluster, normalise
from bench.accuracy import evaluate
from bench.convert import Identities, to_tracked
from bench.generator import TrafficConfig, TrafficGenerator

RULES = IdentityRules()


def _traffic(seed: int, events: int = 3000, **extra: Any) -> tuple[TrafficGenerator, list[Any]]:
    generator = TrafficGenerator(TrafficConfig(seed=seed, **extra), RULES)
    return generator, list(generator.batches(events))


def test_the_same_seed_gives_the_same_traffic_and_truth() -> None:
    first, a = _traffic(7)
    second, b = _traffic(7)
    assert orjson.dumps([x.messages for x in a]) == orjson.dumps([x.messages for x in b])
    assert first.truth == second.truth
    _, c = _traffic(8)
    assert orjson.dumps([x.messages for x in a]) != orjson.dumps([x.messages for x in c])


def test_sizes_replays_and_batches() -> None:
    generator, batches = _traffic(3, events=5000, p_replay=0.2)
    stats = generator.stats
    distinct = {m["messageId"] for batch in batches for m in batch.messages}
    assert len(distinct) == stats.messages >= 5000
    assert stats.messages < 5000 + 200  # only the last person overshoots
    replayed = [b for b in batches if b.replay]
    assert replayed and sum(len(b.messages) for b in replayed) == stats.replayed_messages
    assert all(len(b.messages) <= 100 for b in batches)
    assert stats.families > 0 and stats.visitors > 0 and stats.junk_messages > 0


def test_truth_holds_normalised_usable_values_within_the_caps() -> None:
    generator, _ = _traffic(5)
    junk = generator.junk_identifiers()
    assert junk  # e.g. the all-zero UUID normalises, and is blocked
    for (type_, value), _person in generator.truth.items():
        assert (type_, value) not in junk
        assert normalise(type_, value, None) == value
    per_person = Counter((person, type_) for (type_, _), person in generator.truth.items())
    for (_, type_), count in per_person.items():
        assert count <= RULES.type_caps.get(type_, RULES.total_cap)


def test_the_platform_rules_resolve_the_traffic_to_exactly_its_truth() -> None:
    """Cluster the generated evidence with the domain's own clustering: no merge, no miss."""
    generator, batches = _traffic(11, events=4000)
    identities = Identities(RULES)
    nodes: dict[str, Node] = {}
    evidence: list[Evidence] = []
    seen: set[str] = set()
    for batch in batches:
        for raw in batch.messages:
            if raw["messageId"] in seen:
                continue  # a replay adds no evidence
            seen.add(raw["messageId"])
            message = to_tracked(raw, "src", 2_000_000_000.0)
            identity = identities.of(message)
            for ident in identity.identifiers:
                key = f"{ident.type}:{ident.value}"
                old = nodes.get(key)
                if old is None or message.timestamp < old.first_seen:
                    nodes[key] = Node(key, ident.type, message.timestamp)
            for x, y in identity.pairs():
                evidence.append(
                    Evidence(
                        f"{x.type}:{x.value}",
                        f"{y.type}:{y.value}",
                        identity.rule,
                        RULES.weight_for(identity.rule),
                        message.timestamp,
                    )
                )
    result = cluster(nodes.values(), aggregate(evidence), [], RULES)
    predicted: dict[tuple[str, str], int] = {}
    for index, members in enumerate(result.clusters):
        for key in members:
            type_, value = key.split(":", 1)
            predicted[(type_, value)] = index
    truth = generator.truth
    assert set(predicted) == set(truth)  # no junk became an identifier, nothing is missing
    assert not result.generic
    accuracy = evaluate(predicted, truth)
    assert accuracy.pairwise.precision == 1.0 and accuracy.pairwise.recall == 1.0
    assert accuracy.bcubed.precision == 1.0 and accuracy.bcubed.recall == 1.0
    # The family devices were contested: their partners' links are refused, not followed.
    assert any(r.reason == "type_cap:user_id" for r in result.refused)
