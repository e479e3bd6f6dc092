"""The benchmark's workspace (bench/workspace.yaml): every kind of segment condition, journey
trigger, step and built-in action is used, everything validates against the shipped
configuration, and the conditions speak of what the generated traffic sends."""

from __future__ import annotations

import dataclasses
import hashlib
from collections import Counter
from collections.abc import Iterator
from typing import Any, get_args, get_type_hints

import orjson
import pytest

from app.configuration import load_consent_policy, load_trait_schema
from app.domain.identity import IdentityRules, normalise
from app.domain.journeys import ActionModel, Journey, Step, Trigger, parse_journey
from app.domain.segments import (
    AllOf,
    AnyOf,
    Condition,
    ConsentIs,
    EventCount,
    HasIdentifier,
    HasTag,
    InSegment,
    NotCondition,
    TraitCompare,
    dependencies,
    json_schema,
    parse_condition,
    parse_definition,
)
from app.domain.traits import normalise_name
from app.services.engagement.segments.compiler import Compiler
from bench.convert import Identities, to_tracked
from bench.generator import TrafficConfig, TrafficGenerator
from bench.workspace import (
    RECEIVER,
    REPO,
    WORKSPACE_FILE,
    Workspace,
    condition_kinds,
    journey_kinds,
)

WORKSPACE = Workspace.load()
#: The receiver's address as the benchmark fills it in (journeys validate only with a URL).
URL = "http://127.0.0.1:8123"
FILLED = WORKSPACE.with_receiver(URL)
SCHEMA = load_trait_schema(REPO / "config" / "traits.yaml")
POLICY = load_consent_policy(REPO / "config" / "consent.yaml")
FRAGMENTS = REPO / "cypher" / "segments" / "fragments"


def _walk(condition: Condition) -> Iterator[Condition]:
    yield condition
    if isinstance(condition, AllOf | AnyOf):
        for item in condition.items:
            yield from _walk(item)
    elif isinstance(condition, NotCondition):
        yield from _walk(condition.item)


def _segment_conditions() -> list[Condition]:
    return [c for s in WORKSPACE.segments for c in _walk(parse_definition(s).condition)]


def _journeys() -> list[Journey]:
    return [parse_journey(j) for j in FILLED.journeys]


def _journey_conditions() -> list[Condition]:
    out: list[Condition] = []
    for journey in _journeys():
        if journey.trigger.where is not None:
            out.extend(_walk(journey.trigger.where))
        for step in journey.steps.values():
            if step.condition is not None:
                out.extend(_walk(step.condition))
    return out


def _raw_leaves(condition: Any) -> Iterator[dict[str, Any]]:
    if isinstance(condition, dict):
        if "all" in condition or "any" in condition:
            for item in condition.get("all") or condition.get("any") or []:
                yield from _raw_leaves(item)
        elif "not" in condition:
            yield from _raw_leaves(condition["not"])
        else:
            yield condition


def test_a_realistic_workspace_in_size() -> None:
    assert len(WORKSPACE.segments) >= 20
    assert len(WORKSPACE.journeys) == 5
    assert [d["kind"] for d in WORKSPACE.destinations] == ["webhook"]
    assert WORKSPACE.destinations[0]["config"]["url"].startswith(RECEIVER + "/")
    names = [s["name"] for s in WORKSPACE.segments]
    assert len(set(names)) == len(names)


def test_every_kind_of_condition_is_used_by_the_segments() -> None:
    """A new kind of condition, trait comparison, event field or Cypher fragment fails here
    until the workspace uses it."""
    used = _segment_conditions()
    # Every member of the condition union (leaves, all, any, not).
    assert {type(c) for c in used} == set(get_args(Condition))
    # Every property and every enumerated value of every leaf of the published JSON Schema:
    # trait comparisons (eq ... missing), the event count's min_count, max_count, within_days.
    schema = json_schema()
    leaves = [schema["$defs"][ref["$ref"].rsplit("/", 1)[1]] for ref in _leaf_refs(schema)]
    raw = [leaf for s in WORKSPACE.segments for leaf in _raw_leaves(s["condition"])]
    for model in leaves:
        key = model["required"][0]
        mine = [leaf for leaf in raw if key in leaf]
        assert mine, f"no {key} condition"
        for prop, spec in model["properties"].items():
            assert any(prop in leaf for leaf in mine), f"{key} conditions never give {prop}"
            for value in spec.get("enum", []):
                assert any(leaf.get(prop, spec.get("default")) == value for leaf in mine), (
                    f"no {key} condition with {prop} {value}"
                )
    # The combinators of the schema's Condition.
    groups = {
        next(iter(option["properties"]))
        for option in schema["$defs"]["Condition"]["oneOf"]
        if "properties" in option
    }
    kinds = sum((condition_kinds(s["condition"]) for s in WORKSPACE.segments), start=Counter[str]())
    assert groups == {"all", "any", "not"} and all(kinds[g] for g in groups)
    # Every fragment the compiler assembles predicates from.
    fragments = {path.stem for path in FRAGMENTS.glob("*.cypher")}
    assert fragments and fragments <= {f for c in used for f in _fragments(c)}


def _leaf_refs(schema: dict[str, Any]) -> list[dict[str, str]]:
    return [o for o in schema["$defs"]["Condition"]["oneOf"] if "$ref" in o]


def _fragments(condition: Condition) -> set[str]:
    """The Cypher fragments (cypher/segments/fragments/) a leaf compiles to (an event count:
    one walking the events for previews, one reading those the decision read collected)."""
    if isinstance(condition, TraitCompare):
        return {f"trait_{condition.op}"}
    if isinstance(condition, EventCount):
        return {"event_count", "event_count_collected"}
    if isinstance(condition, HasIdentifier):
        return {"has_identifier"}
    if isinstance(condition, ConsentIs):
        return {"consent"}
    if isinstance(condition, InSegment):
        return {"in_segment"}
    if isinstance(condition, HasTag):
        return {"has_tag"}
    return set()


def test_every_segment_compiles_against_the_shipped_configuration_in_file_order() -> None:
    seen: set[str] = set()
    for raw in WORKSPACE.segments:
        definition = parse_definition(raw)
        refs = dependencies(definition.condition).segments
        assert refs <= seen, f"{definition.name} refers to a segment below it: {refs - seen}"
        compiled = Compiler(SCHEMA, POLICY, {}).compile(definition.condition)
        assert compiled and definition.description
        seen.add(definition.name)


def test_every_trigger_step_and_built_in_action_is_used_by_the_journeys() -> None:
    """A new trigger, step type or built-in action kind fails here until a journey uses it.
    Plugin actions are left out: the workspace loads without plugins."""
    journeys = _journeys()
    triggers = {f.name for f in dataclasses.fields(Trigger)}
    for kind in triggers:
        assert any(getattr(j.trigger, kind) is not None for j in journeys), f"no {kind} trigger"
    steps = [s for j in journeys for s in j.steps.values()]
    assert {s.type for s in steps} == set(get_args(get_type_hints(Step)["type"]))
    assert any(s.type == "wait" and s.until_event is None for s in steps)  # a time
    assert any(s.type == "wait" and s.until_event and s.on_timeout for s in steps)  # an event
    actions = {kind for model in get_args(ActionModel) for kind in _kinds(model)}
    assert actions == {s.action.kind for s in steps if s.action is not None}
    assert {j.reentry for j in journeys} == {True, False}
    kinds = sum((journey_kinds(j) for j in WORKSPACE.journeys), start=Counter[str]())
    assert kinds["trigger.where"] and kinds["step.wait.seconds"] and kinds["step.wait.until_event"]


def _kinds(model: Any) -> tuple[str, ...]:
    return get_args(model.model_fields["kind"].annotation)


def test_journeys_refer_to_what_the_workspace_and_the_trait_schema_hold() -> None:
    segments = {s["name"] for s in WORKSPACE.segments}
    destinations = {d["name"] for d in WORKSPACE.destinations}
    for journey in _journeys():
        trigger = journey.trigger
        for name in (trigger.segment_entered, trigger.segment_left):
            assert name is None or name in segments
        if trigger.trait_changed is not None:
            assert SCHEMA.classify(trigger.trait_changed) is not None
        for step in journey.steps.values():
            if step.condition is not None:
                assert dependencies(step.condition).segments <= segments
            action = step.action
            if action is None:
                continue
            if action.kind == "set_trait":  # a plain trait: marketers may set it
                field = SCHEMA.classify(str(action.params["name"]))
                assert field is not None and field.pii == "plain"
            if action.kind == "send_to_destination":
                assert action.params["destination"] in destinations
            if action.kind == "webhook":
                assert str(action.params["url"]).startswith(URL + "/")
    for condition in _journey_conditions():
        Compiler(SCHEMA, POLICY, {}).compile(condition)


def test_conditions_speak_of_what_the_traffic_sends() -> None:
    """Event names, traits, identifier types and consent purposes in the workspace are ones the
    generated traffic (new and returning people) carries, or the journeys produce, so segments
    get members and journeys fire."""
    rules = IdentityRules()
    generator = TrafficGenerator(TrafficConfig(seed=3), rules)
    batches = list(generator.returning(3000, 2_000_000_000.0))
    messages = [m for b in [*TrafficGenerator(TrafficConfig(seed=3)).batches(3000), *batches]
                for m in b.messages]  # fmt: skip
    identities = Identities(rules)
    events: set[str] = set()
    traits: set[str] = set()
    purposes: set[str] = set()
    for raw in messages:
        message = to_tracked(raw, "src", 2_100_000_000.0)
        if message.display_name:
            events.add(message.display_name)
        traits |= {n for n in map(normalise_name, message.traits) if n}
        answers = (raw["context"].get("consent") or {}).get("categoryPreferences") or {}
        purposes |= {POLICY.resolve(category) for category, granted in answers.items() if granted}
        assert identities.of(message) is not None
    types = {type_ for type_, _ in generator.truth}
    journeys = _journeys()
    emitted = {
        str(s.action.params["event"])
        for j in journeys
        for s in j.steps.values()
        if s.action is not None and s.action.kind == "emit_event"
    }
    set_by_journeys = {"tags"} | {
        str(s.action.params["name"])
        for j in journeys
        for s in j.steps.values()
        if s.action is not None and s.action.kind == "set_trait"
    }
    for condition in [*_segment_conditions(), *_journey_conditions()]:
        if isinstance(condition, EventCount):
            assert condition.event in events | emitted, condition
        if isinstance(condition, TraitCompare):
            assert condition.trait in traits | set_by_journeys, condition
        if isinstance(condition, HasIdentifier):
            assert condition.type in types, condition
        if isinstance(condition, ConsentIs):
            assert POLICY.resolve(condition.purpose) in purposes, condition
    for journey in journeys:
        if journey.trigger.event is not None:
            assert journey.trigger.event in events
        for step in journey.steps.values():
            assert step.until_event is None or step.until_event in events
    values = {normalise("user_id", m["userId"], None) for m in messages if m.get("userId")}
    assert values  # people log in: the identity conditions have someone to match


def test_the_summary_and_the_receiver() -> None:
    summary = WORKSPACE.summary()
    assert summary["sha256"] == hashlib.sha256(WORKSPACE_FILE.read_bytes()).hexdigest()
    assert summary["file"] == "bench/workspace.yaml"
    assert summary["segments"] == len(WORKSPACE.segments) and summary["journeys"] == 5
    conditions = summary["segment_conditions"]
    assert conditions["event.within_days"] and conditions["trait.missing"] and conditions["not"]
    parts = summary["journey_parts"]
    for kind in ("event", "segment_entered", "segment_left", "trait_changed"):
        assert parts[f"trigger.{kind}"] >= 1
    filled = WORKSPACE.with_receiver(URL + "/")
    text = orjson.dumps([filled.destinations, filled.segments, filled.journeys]).decode()
    assert RECEIVER not in text and f"{URL}/journeys/welcome" in text
    assert filled.sha256 == WORKSPACE.sha256
    assert RECEIVER in orjson.dumps(WORKSPACE.journeys).decode()  # the file's own stays


@pytest.mark.parametrize(
    ("condition", "kinds"),
    [
        ({"event": "Searched", "within_days": 7}, {"event": 1, "event.within_days": 1}),
        (
            {"all": [{"trait": "plan", "op": "in", "value": ["pro"]}, {"not": {"consent": "x"}}]},
            {"all": 1, "trait": 1, "trait.in": 1, "not": 1, "consent": 1},
        ),
        ({"trait": "plan", "value": "free"}, {"trait": 1, "trait.eq": 1}),
        (
            {"event": "Order Completed", "min_count": 0, "max_count": 0},
            {"event": 1, "event.min_count": 1, "event.max_count": 1},
        ),
    ],
)
def test_condition_kinds_are_counted(condition: dict[str, Any], kinds: dict[str, int]) -> None:
    assert dict(condition_kinds(condition)) == kinds
    parse_condition(condition, "condition")  # the examples are valid conditions
