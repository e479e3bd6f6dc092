"""A journey definition: a trigger and a graph of steps, validated without I/O.

    {
      "name": "welcome_series",
      "trigger": {"event": "Signed Up"},             or {"segment_entered": "vip"},
                                                     or {"segment_left": "vip"},
                                                     or {"trait_changed": "plan"};
                                                     optional "where": <segment condition>
      "reentry": false,                              at most one active run per profile
      "start": "hello",
      "steps": {
        "hello":  {"type": "action", "action": {"kind": "webhook", "url": "https://...",
                   "purpose": "marketing"}, "next": "pause"},
        "pause":  {"type": "wait", "seconds": 86400, "next": "check"},
        "check":  {"type": "branch", "condition": {"event": "Order Completed"},
                   "then": null, "else": "nudge"},
        "nudge":  {"type": "wait", "until_event": "Order Completed", "timeout_seconds": 3600,
                   "next": null, "on_timeout": "tag"},
        "tag":    {"type": "action", "action": {"kind": "add_tag", "tag": "never_bought"}}
      }
    }

A `next` of null (or absent) ends the run. Steps may not form a cycle.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.domain.segments import Condition, SegmentError, parse_condition

NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MAX_STEPS = 100


class JourneyError(ValueError):
    """A definition that cannot be used; the message starts with the path of the bad part."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WebhookModel(_Model):
    kind: Literal["webhook"]
    url: str = Field(min_length=8, max_length=2000, pattern=r"^https?://")
    purpose: str = Field(description="The consent purpose the call serves")
    data: dict[str, Any] = Field(default_factory=dict, description="Static data sent along")


class SetTraitModel(_Model):
    kind: Literal["set_trait"]
    name: str
    value: Any
    purpose: str | None = None


class TagModel(_Model):
    kind: Literal["add_tag", "remove_tag"]
    tag: str = Field(pattern=r"^[a-z0-9_:-]{1,64}$")
    purpose: str | None = None


class EmitEventModel(_Model):
    kind: Literal["emit_event"]
    event: str = Field(min_length=1, max_length=200)
    purpose: str | None = None


class SendToDestinationModel(_Model):
    kind: Literal["send_to_destination"]
    destination: str = Field(min_length=1, max_length=64)
    purpose: str = Field(description="The consent purpose the sending serves")


ActionModel = WebhookModel | SetTraitModel | TagModel | EmitEventModel | SendToDestinationModel
_ACTIONS: dict[str, type[_Model]] = {
    "send_to_destination": SendToDestinationModel,
    "webhook": WebhookModel,
    "set_trait": SetTraitModel,
    "add_tag": TagModel,
    "remove_tag": TagModel,
    "emit_event": EmitEventModel,
}


@dataclass(frozen=True)
class Action:
    kind: str
    purpose: str | None
    params: Mapping[str, Any]


@dataclass(frozen=True)
class Step:
    id: str
    type: Literal["action", "wait", "branch", "exit"]
    next: str | None = None
    action: Action | None = None
    seconds: float | None = None
    until_event: str | None = None
    on_timeout: str | None = None
    condition: Condition | None = None
    otherwise: str | None = None  # a branch's else


@dataclass(frozen=True)
class Trigger:
    event: str | None = None
    segment_entered: str | None = None
    segment_left: str | None = None
    trait_changed: str | None = None
    where: Condition | None = None


@dataclass(frozen=True)
class Journey:
    name: str
    description: str
    trigger: Trigger
    reentry: bool
    start: str
    steps: Mapping[str, Step]
    source: Mapping[str, Any] = field(default_factory=dict, compare=False)


def _fail(exc: ValidationError, path: str) -> JourneyError:
    problem = exc.errors(include_url=False, include_input=False, include_context=False)[0]
    where = ".".join([path, *(str(p) for p in problem["loc"])])
    return JourneyError(f"{where}: {problem['msg']}")


def _condition(raw: Any, path: str) -> Condition:
    try:
        return parse_condition(raw, path)
    except SegmentError as exc:
        raise JourneyError(str(exc)) from None


def _trigger(raw: Any) -> Trigger:
    if not isinstance(raw, Mapping):
        raise JourneyError("trigger: expected an object")
    names = ("event", "segment_entered", "segment_left", "trait_changed")
    kinds = [k for k in names if k in raw]
    extra = set(raw) - {*names, "where"}
    if len(kinds) != 1 or extra:
        raise JourneyError(f"trigger: exactly one of {', '.join(names)}")
    value = raw[kinds[0]]
    if not isinstance(value, str) or not value:
        raise JourneyError(f"trigger.{kinds[0]}: a non-empty name")
    where = _condition(raw["where"], "trigger.where") if "where" in raw else None
    return Trigger(**{kinds[0]: value}, where=where)


def _ref(value: Any, path: str, steps: Mapping[str, Any]) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or value not in steps:
        raise JourneyError(f"{path}: no step named {str(value)[:40]!r}")
    return value


@dataclass(frozen=True)
class PluginAction:
    """What a definition needs to know of an action kind a plugin adds: the fields it takes
    (besides `kind` and `purpose`; any other is refused) and its own check of their values
    (raises ValueError)."""

    fields: frozenset[str]
    validate: Callable[[Mapping[str, Any]], None]


#: Action kinds that plugins add (kind -> its fields and check).
PluginActions = Mapping[str, PluginAction]


def _plugin_action(spec: Mapping[str, Any], path: str, plugins: PluginActions) -> Action:
    kind = str(spec["kind"])
    plugin = plugins[kind]
    params = {k: v for k, v in spec.items() if k not in ("kind", "purpose")}
    unknown = sorted(str(k)[:40] for k in params if k not in plugin.fields)
    if unknown:
        takes = ", ".join(["purpose", *sorted(plugin.fields)])
        raise JourneyError(f"{path}.{unknown[0]}: not a field of {kind} (it takes {takes})")
    purpose = spec.get("purpose")
    if purpose is not None and not isinstance(purpose, str):
        raise JourneyError(f"{path}.purpose: a consent purpose")
    try:
        plugin.validate(params)
    except ValueError as exc:
        raise JourneyError(f"{path}: {exc}") from None
    return Action(kind, purpose, params)


def _step(sid: str, raw: Any, steps: Mapping[str, Any], plugins: PluginActions) -> Step:
    path = f"steps.{sid}"
    if not isinstance(raw, Mapping):
        raise JourneyError(f"{path}: expected an object")
    kind = raw.get("type")
    allowed = {
        "action": {"type", "action", "next"},
        "wait": {"type", "seconds", "until_event", "timeout_seconds", "next", "on_timeout"},
        "branch": {"type", "condition", "then", "else"},
        "exit": {"type"},
    }
    if kind not in allowed:
        raise JourneyError(f"{path}.type: one of action, wait, branch, exit")
    unknown = set(raw) - allowed[kind]
    if unknown:
        raise JourneyError(f"{path}: unknown key(s) {', '.join(sorted(unknown))} for a {kind}")
    nxt = _ref(raw.get("next"), f"{path}.next", steps)
    if kind == "action":
        spec = raw.get("action")
        kind_name = str(spec.get("kind")) if isinstance(spec, Mapping) else ""
        if isinstance(spec, Mapping) and kind_name in plugins and kind_name not in _ACTIONS:
            return Step(
                sid, "action", next=nxt, action=_plugin_action(spec, f"{path}.action", plugins)
            )
        model = _ACTIONS.get(kind_name)
        if model is None:
            names = ", ".join(sorted({*_ACTIONS, *plugins}))
            raise JourneyError(f"{path}.action.kind: one of {names}")
        try:
            parsed = model.model_validate(spec)
        except ValidationError as exc:
            raise _fail(exc, f"{path}.action") from None
        params = parsed.model_dump()
        purpose = params.pop("purpose", None)
        action = Action(str(params.pop("kind")), purpose, params)
        return Step(sid, "action", next=nxt, action=action)
    if kind == "wait":
        seconds, until = raw.get("seconds"), raw.get("until_event")
        if (seconds is None) == (until is None):
            raise JourneyError(f"{path}: a wait has either seconds or until_event")
        if seconds is not None:
            if not isinstance(seconds, int | float) or not 0 <= seconds <= 366 * 86_400:
                raise JourneyError(f"{path}.seconds: between 0 and a year")
            return Step(sid, "wait", next=nxt, seconds=float(seconds))
        timeout = raw.get("timeout_seconds")
        if not isinstance(timeout, int | float) or not 0 < timeout <= 366 * 86_400:
            raise JourneyError(f"{path}.timeout_seconds: required, up to a year")
        if not isinstance(until, str) or not until:
            raise JourneyError(f"{path}.until_event: an event name")
        on_timeout = _ref(raw.get("on_timeout"), f"{path}.on_timeout", steps)
        return Step(
            sid, "wait", next=nxt, until_event=until, seconds=float(timeout), on_timeout=on_timeout
        )
    if kind == "branch":
        condition = _condition(raw.get("condition"), f"{path}.condition")
        then = _ref(raw.get("then"), f"{path}.then", steps)
        otherwise = _ref(raw.get("else"), f"{path}.else", steps)
        return Step(sid, "branch", next=then, condition=condition, otherwise=otherwise)
    return Step(sid, "exit")


def successors(step: Step) -> list[str]:
    return [s for s in (step.next, step.on_timeout, step.otherwise) if s is not None]


def parse_journey(raw: Any, plugins: PluginActions | None = None) -> Journey:
    if not isinstance(raw, Mapping):
        raise JourneyError("definition: expected an object")
    allowed = {"name", "description", "trigger", "reentry", "start", "steps"}
    unknown = set(raw) - allowed
    if unknown:
        raise JourneyError(f"definition: unknown key(s) {', '.join(sorted(unknown))}")
    name = raw.get("name")
    if not isinstance(name, str) or not NAME.match(name):
        raise JourneyError("name: lower case letters, digits and _, starting with a letter")
    description = raw.get("description", "")
    if not isinstance(description, str) or len(description) > 500:
        raise JourneyError("description: text up to 500 characters")
    reentry = raw.get("reentry", False)
    if not isinstance(reentry, bool):
        raise JourneyError("reentry: true or false")
    raw_steps = raw.get("steps")
    if not isinstance(raw_steps, Mapping) or not raw_steps:
        raise JourneyError("steps: an object of named steps")
    if len(raw_steps) > MAX_STEPS:
        raise JourneyError(f"steps: at most {MAX_STEPS}")
    for sid in raw_steps:
        if not isinstance(sid, str) or not NAME.match(sid):
            raise JourneyError(f"steps.{str(sid)[:40]}: step names are like names")
    steps = {sid: _step(sid, spec, raw_steps, plugins or {}) for sid, spec in raw_steps.items()}
    start = _ref(raw.get("start"), "start", raw_steps)
    if start is None:
        raise JourneyError("start: the first step's name")
    _check_acyclic(steps, start)
    return Journey(name, description, _trigger(raw.get("trigger")), reentry, start, steps, raw)


def _check_acyclic(steps: Mapping[str, Step], start: str) -> None:
    state: dict[str, int] = {}

    def visit(sid: str, trail: list[str]) -> None:
        if state.get(sid) == 1:
            raise JourneyError(f"steps: a cycle through {' -> '.join([*trail, sid])}")
        if state.get(sid) == 2:
            return
        state[sid] = 1
        for nxt in successors(steps[sid]):
            visit(nxt, [*trail, sid])
        state[sid] = 2

    visit(start, [])
    unreachable = sorted(set(steps) - set(state))
    if unreachable:
        raise JourneyError(f"steps: unreachable from start: {', '.join(unreachable)}")
