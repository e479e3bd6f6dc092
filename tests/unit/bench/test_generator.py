"""The benchmark's traffic: reproducible, truthful, and resolvable to exactly its truth."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import orjson
import pytest

from app.domain.identity import (
    ANONYMOUS_ID,
    Evidence,
    IdentityRules,
    Node,
    aggregate,
    cluster,
    normalise,
)
from bench.accuracy import Accuracy, evaluate
from bench.convert import Identities, to_tracked
from bench.generator import DAY, RETURN_CALLS, Batch, TrafficConfig, TrafficGenerator

RULES = IdentityRules()
#: Returning visits: any day will do, as long as it is after the traffic.
BACK = 2_000_000_000.0


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


def _resolve(batches: Iterable[Batch], truth: dict[tuple[str, str], str]) -> Accuracy:
    """Cluster the generated evidence with the domain's own clustering, against the truth."""
    identities = Identities(RULES)
    nodes: dict[str, Node] = {}
    evidence: list[Evidence] = []
    seen: set[str] = set()
    for batch in batches:
        for raw in batch.messages:
            if raw["messageId"] in seen:
                continue  # a replay adds no evidence
            seen.add(raw["messageId"])
            message = to_tracked(raw, "src", 2_100_000_000.0)
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
    assert set(predicted) == set(truth)  # no junk became an identifier, nothing is missing
    assert not result.generic
    # The family devices were contested: their partners' links are refused, not followed.
    assert any(r.reason == "type_cap:user_id" for r in result.refused)
    return evaluate(predicted, truth)


def test_the_platform_rules_resolve_the_traffic_to_exactly_its_truth() -> None:
    """Cluster the generated evidence with the domain's own clustering: no merge, no miss."""
    generator, batches = _traffic(11, events=4000)
    accuracy = _resolve(batches, generator.truth)
    assert accuracy.pairwise.precision == 1.0 and accuracy.pairwise.recall == 1.0
    assert accuracy.bcubed.precision == 1.0 and accuracy.bcubed.recall == 1.0


def _strip_marketing(batches: list[Batch]) -> list[Any]:
    """The traffic without consent answers and the marketing traits (plan, country, value)."""
    out: list[Any] = orjson.loads(orjson.dumps([[b.replay, b.messages] for b in batches]))
    for _, messages in out:
        for message in messages:
            message["context"].pop("consent", None)
            for key in ("plan", "country", "lifetimeValue"):
                (message.get("traits") or {}).pop(key, None)
    return out


def test_people_carry_plans_values_and_consent_without_changing_their_identity() -> None:
    generator, batches = _traffic(4, events=4000)
    messages = [m for b in batches for m in b.messages]
    identifies = [m for m in messages if m["type"] == "identify" and m.get("traits")]
    plans = Counter(m["traits"]["plan"] for m in identifies if "plan" in m["traits"])
    assert set(plans) == {"free", "pro", "business"} and plans["free"] > plans["business"]
    assert all(isinstance(m["traits"]["lifetimeValue"], float) for m in identifies)
    answers = [
        m["context"]["consent"]["categoryPreferences"]
        for m in messages
        if "consent" in m["context"]
    ]
    assert answers and {k for a in answers for k in a} == {"Advertising", "Analytics", "Functional"}
    assert all("device" in m["context"] for m in messages if "consent" in m["context"])
    # Drawn apart: without them, the identifiers, times and order are the same.
    for extra in ({"p_consent": 0.0}, {"marketing": False}):
        quiet, quiet_batches = _traffic(4, events=4000, **extra)
        assert not any("consent" in m["context"] for b in quiet_batches for m in b.messages)
        assert _strip_marketing(batches) == _strip_marketing(quiet_batches)
        assert quiet.truth == generator.truth
    # Identity-only traffic, as before: every plan free, no country or value.
    plain = [m for b in quiet_batches for m in b.messages if m.get("traits")]
    assert {m["traits"].get("plan") for m in plain} <= {"free", None}
    assert not any("country" in m["traits"] or "lifetimeValue" in m["traits"] for m in plain)


def test_returning_people_are_the_people_of_the_traffic() -> None:
    config = TrafficConfig(seed=21)
    first = TrafficGenerator(config, RULES)
    original = list(first.batches(4000))
    again = TrafficGenerator(config, RULES)
    returning = list(again.returning(4000, BACK))
    # The people were made again with the same draws: the same traffic, counted once more.
    assert again.stats.messages == first.stats.messages
    assert again.stats.people == first.stats.people
    new = {k: v for k, v in again.truth.items() if k not in first.truth}
    assert all(again.truth[k] == v for k, v in first.truth.items())
    # Everyone who logs in comes back once, with one new anonymous id; visitors do not.
    back = again.returning_stats
    assert back.people == first.stats.people - first.stats.visitors
    assert len(new) == back.people == back.identifiers
    assert {type_ for type_, _ in new} == {ANONYMOUS_ID}
    assert len(set(new.values())) == back.people
    distinct = {m["messageId"]: m for b in returning for m in b.messages}
    assert len(distinct) == back.messages == back.people * (RETURN_CALLS + 1)
    assert not distinct.keys() & {m["messageId"] for b in original for m in b.messages}
    assert all(len(b.messages) <= config.batch_size for b in returning)
    assert sum(len(b.messages) for b in returning if b.replay) == back.replayed_messages


def test_a_returning_visit_is_a_new_session_that_logs_in() -> None:
    generator = TrafficGenerator(TrafficConfig(seed=5), RULES)
    batches = list(generator.returning(3000, BACK, DAY / 2))
    visits: dict[str, list[dict[str, Any]]] = {}
    for batch in batches:
        if not batch.replay:
            for message in batch.messages:
                visits.setdefault(message["anonymousId"], []).append(message)
    users: set[str] = set()
    for anonymous_id, messages in visits.items():
        assert normalise(ANONYMOUS_ID, anonymous_id, None) in {
            v for (t, v) in generator.truth if t == ANONYMOUS_ID
        }
        kinds = Counter(m["type"] for m in messages)
        assert kinds["identify"] == 1 and sum(kinds.values()) == RETURN_CALLS + 1
        assert set(kinds) <= {"identify", "track", "page"}
        login = next(m for m in messages if m["type"] == "identify")
        users.add(login["userId"])
        assert login["traits"]["plan"] in {"free", "pro", "business"} and login["traits"]["email"]
        assert len({m["context"]["device"]["id"] for m in messages}) == 1
        for message in messages:
            at = datetime.fromisoformat(message["timestamp"]).timestamp()
            assert BACK <= at < BACK + DAY / 2 + 6 * 3600
    assert len(users) == len(visits)  # one visit per person
    # Interleaved across people, as they arrive: a batch holds many people's calls.
    assert len({m["anonymousId"] for m in batches[0].messages}) > 10


def test_returning_traffic_is_reproducible_and_streams() -> None:
    def visits(seed: int) -> bytes:
        generator = TrafficGenerator(TrafficConfig(seed=seed), RULES)
        return orjson.dumps([[b.replay, b.messages] for b in generator.returning(2500, BACK)])

    assert visits(9) == visits(9)
    assert visits(9) != visits(10)
    # The people of a million events are made chunk by chunk: the first visits come after
    # one chunk of people, not after all of them.
    big = TrafficGenerator(TrafficConfig(seed=9, track_truth=False), RULES)
    first = next(big.returning(1_000_000, BACK))
    assert first.messages and big.stats.people <= 2 * big.config.people_per_chunk
    # It re-creates the people from the seed: a generator that already made traffic cannot.
    used = TrafficGenerator(TrafficConfig(seed=9), RULES)
    next(used.batches(1000))
    with pytest.raises(RuntimeError, match="fresh generator"):
        next(used.returning(1000, BACK))


def test_the_platform_rules_resolve_new_and_returning_traffic_to_exactly_its_truth() -> None:
    """Each new session joins its person through the login: still no merge and no miss."""
    config = TrafficConfig(seed=13)
    original = list(TrafficGenerator(config, RULES).batches(4000))
    again = TrafficGenerator(config, RULES)
    returning = list(again.returning(4000, BACK))
    accuracy = _resolve([*original, *returning], again.truth)
    assert accuracy.pairwise.precision == 1.0 and accuracy.pairwise.recall == 1.0
    assert accuracy.bcubed.precision == 1.0 and accuracy.bcubed.recall == 1.0
