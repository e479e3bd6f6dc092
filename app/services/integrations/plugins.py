"""Plugins: destination kinds, journey actions and tracking sources found through Python entry
points. A plugin that fails to load is reported and left out; the platform starts anyway.

    [project.entry-points."graph_cdp.destinations"]   a destination kind
    my_crm = "my_package.module:MyCrmDestination"
    [project.entry-points."graph_cdp.actions"]        a journey action kind
    [project.entry-points."graph_cdp.sources"]        a payload format for /v1/sources/<kind>

Every plugin is a class (or an instance) with a `kind`, the name definitions use, and:
- destination: `validate(config)` (raise ValueError) and `async deliver(batch, config, ctx)`
  (raise to fail the batch: it is retried, then dead-lettered); items carry ids, event names
  and plain traits, never personal values;
- action: `validate(params)` and `async run(profile_id, params, ctx) -> dict` (details for the
  run's history: ids and counts); journeys run it through the consent gate. It may declare
  `fields` (the definition fields it takes besides `kind` and `purpose`; any other is refused,
  none when it declares none) and `capability` (what a caller's role needs to save or activate
  a journey using it, a value of app.domain.access.Capability; `admin` when it declares none).
  Its kind is a plain name (lower case letters, digits, _): `ctx.data_dir` is the directory
  the operator's data dir gives it, the only place it should write files;
- source: `parse(body: bytes, headers: Mapping[str, str]) -> list[dict]`, Segment-spec
  messages (raise ValueError naming the problem: the caller gets a 400).
`ctx` gives the shared signed sender, an idempotency key, the clock and (for actions) the
action's own data directory.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, Protocol

from app.domain.access import PLUGIN_ACTION_DEFAULT, Capability
from app.services.engagement.outbound import WebhookSender

log = logging.getLogger(__name__)

GROUPS = {
    "destinations": "graph_cdp.destinations",
    "actions": "graph_cdp.actions",
    "sources": "graph_cdp.sources",
}
#: What each kind of plugin must have, besides `kind`.
REQUIRED = {"destinations": "deliver", "actions": "run", "sources": "parse"}
#: An action's kind also names its data directory: a plain name.
ACTION_KIND = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


@dataclass(frozen=True)
class DeliveryContext:
    sender: WebhookSender
    idempotency_key: str
    now: Callable[[], float]
    #: For a journey action: the directory it may write to (under the platform's data dir).
    data_dir: Path | None = None


@dataclass(frozen=True)
class ActionRules:
    """What the platform enforces around a plugin's journey action."""

    #: What the role of whoever saves or activates a journey using it must carry.
    capability: Capability
    #: The definition fields it takes besides `kind` and `purpose`.
    fields: frozenset[str]


def action_rules(plugin: Any) -> ActionRules:
    """An action plugin's declared `capability` (admin when absent) and `fields` (none when
    absent), checked; a TypeError names what is wrong."""
    declared = getattr(plugin, "capability", PLUGIN_ACTION_DEFAULT)
    try:
        capability = Capability(declared)
    except ValueError:
        names = ", ".join(c.value for c in Capability)
        raise TypeError(f"`capability` must be one of {names}") from None
    fields = getattr(plugin, "fields", ())
    if isinstance(fields, str | bytes) or not all(isinstance(f, str) for f in fields):
        raise TypeError("`fields` must be a collection of field names")
    return ActionRules(capability, frozenset(fields) - {"kind", "purpose"})


class DestinationPlugin(Protocol):
    kind: str

    def validate(self, config: Mapping[str, Any]) -> None: ...

    def deliver(
        self, batch: Sequence[Mapping[str, Any]], config: Mapping[str, Any], ctx: DeliveryContext
    ) -> Awaitable[None]: ...


class ActionPlugin(Protocol):
    kind: str

    def validate(self, params: Mapping[str, Any]) -> None: ...

    def run(
        self, profile_id: str, params: Mapping[str, Any], ctx: DeliveryContext
    ) -> Awaitable[Mapping[str, Any]]: ...


class SourcePlugin(Protocol):
    kind: str

    def parse(self, body: bytes, headers: Mapping[str, str]) -> list[dict[str, Any]]: ...


@dataclass
class PluginRegistry:
    destinations: dict[str, DestinationPlugin] = field(default_factory=dict)
    actions: dict[str, ActionPlugin] = field(default_factory=dict)
    #: action kind -> the capability it needs and the fields it takes
    action_rules: dict[str, ActionRules] = field(default_factory=dict)
    sources: dict[str, SourcePlugin] = field(default_factory=dict)
    #: entry-point name -> what went wrong, for plugins that could not be loaded
    broken: dict[str, str] = field(default_factory=dict)
    #: destination kind -> where it comes from
    origin: dict[str, str] = field(default_factory=dict)
    #: family (destinations, actions, sources) -> kind -> where it comes from
    origins: dict[str, dict[str, str]] = field(default_factory=dict)

    def add(self, plugin: DestinationPlugin, origin: str) -> None:
        self.destinations[plugin.kind] = plugin
        self.origin[plugin.kind] = origin
        self.origins.setdefault("destinations", {})[plugin.kind] = origin


def load_plugins(builtin: Sequence[DestinationPlugin]) -> PluginRegistry:
    registry = PluginRegistry()
    for plugin in builtin:
        registry.add(plugin, "built-in")
    for family, group in GROUPS.items():
        found: dict[str, Any] = getattr(registry, family)
        origins = registry.origins.setdefault(family, {})
        for point in entry_points(group=group):
            try:
                loaded = point.load()
                instance = loaded() if isinstance(loaded, type) else loaded
                kind = getattr(instance, "kind", None)
                method = REQUIRED[family]
                if not isinstance(kind, str) or not callable(getattr(instance, method, None)):
                    raise TypeError(f"needs a `kind` string and a `{method}` method")
                if kind in found:
                    raise ValueError(f"kind {kind!r} is taken")
                if family == "actions":
                    if not ACTION_KIND.match(kind):
                        raise TypeError("an action's `kind` is lower case letters, digits and _")
                    registry.action_rules[kind] = action_rules(instance)
                found[kind] = instance
                where = f"{point.value} ({point.dist.name if point.dist else '?'})"
                origins[kind] = where
                if family == "destinations":
                    registry.origin[kind] = where
            except Exception as exc:  # a broken plugin must not take the platform down
                registry.broken[point.name] = f"{type(exc).__name__}: {exc}"[:300]
                log.error("plugin %s not loaded: %s", point.name, registry.broken[point.name])
    return registry
