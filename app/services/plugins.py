"""Plugins: destination kinds (and journey actions built on them) found through Python entry
points. A plugin that fails to load is reported and left out; the platform starts anyway.

    [project.entry-points."graph_cdp.destinations"]
    my_crm = "my_package.module:MyCrmDestination"

A destination plugin is a class with a `kind` (its name in definitions), an optional
`validate(config)` that raises ValueError for a bad configuration, and
`async deliver(batch, config, context) -> None` that raises to fail the batch (it will be
retried, then dead-lettered). `batch` is a list of items (dicts with ids, never personal data
unless the destination's `personal` flag asked for it), `context` gives the shared signed
sender and the platform's clock.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any, Protocol

from app.services.outbound import WebhookSender

log = logging.getLogger(__name__)

GROUP = "graph_cdp.destinations"


@dataclass(frozen=True)
class DeliveryContext:
    sender: WebhookSender
    idempotency_key: str
    now: Callable[[], float]


class DestinationPlugin(Protocol):
    kind: str

    def validate(self, config: Mapping[str, Any]) -> None: ...

    def deliver(
        self, batch: Sequence[Mapping[str, Any]], config: Mapping[str, Any], ctx: DeliveryContext
    ) -> Awaitable[None]: ...


@dataclass
class PluginRegistry:
    destinations: dict[str, DestinationPlugin] = field(default_factory=dict)
    #: name -> what went wrong, for plugins that could not be loaded
    broken: dict[str, str] = field(default_factory=dict)
    origin: dict[str, str] = field(default_factory=dict)

    def add(self, plugin: DestinationPlugin, origin: str) -> None:
        self.destinations[plugin.kind] = plugin
        self.origin[plugin.kind] = origin


def load_plugins(builtin: Sequence[DestinationPlugin]) -> PluginRegistry:
    registry = PluginRegistry()
    for plugin in builtin:
        registry.add(plugin, "built-in")
    for point in entry_points(group=GROUP):
        try:
            loaded = point.load()
            plugin = loaded() if isinstance(loaded, type) else loaded
            kind = getattr(plugin, "kind", None)
            if not isinstance(kind, str) or not callable(getattr(plugin, "deliver", None)):
                raise TypeError("needs a `kind` string and a `deliver` method")
            if kind in registry.destinations:
                raise ValueError(f"kind {kind!r} is taken")
            registry.add(plugin, f"{point.value} ({point.dist.name if point.dist else '?'})")
        except Exception as exc:  # a broken plugin must not take the platform down
            registry.broken[point.name] = f"{type(exc).__name__}: {exc}"[:300]
            log.error(
                "destination plugin %s not loaded: %s", point.name, registry.broken[point.name]
            )
    return registry
