"""Outbound destinations: profile changes (merges and splits included, so downstream systems
can re-key), segment changes and events, delivered in batches through a plugin.

Items wait in an outbox per destination (a Valkey stream, `DestinationOutbox`), filled by the
change-feed consumer for active destinations only: while a destination is stopped nothing is
queued for it, and nothing is backfilled when it starts again (erasure notices are the
exception: they are queued for a stopped destination that forwards erasures, and go once it is
started). A delivery loop in the worker takes a batch, keeps the items whose profile may be
used for the destination's purpose (the others are counted as skipped), and hands them to the
destination's kind: `webhook` (signed JSON batches) and `segment` (Segment's batch format, to
any tool that speaks it) are built in; more come from plugins. A batch that fails is retried
with back-off; after `max_attempts` it moves to the destination's dead letters, which can be
replayed. A batch whose target the outbound guard refuses is not retried: it moves to the dead
letters at once, with the refusal as its reason. Erasures are forwarded (as ids) to
destinations that ask for them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.domain.destinations import TOPICS, DestinationError, parse_destination
from app.errors import CdpError, DeliveryFailed, InvalidInput
from app.ports.definitions import activate, named
from app.ports.destinations import (
    DestinationOutbox,
    DestinationSpec,
    DestinationStore,
    OutboxEntry,
    StoredDestination,
)
from app.services.changes.profile_changes import MembershipChange, ProfileChanges
from app.services.engagement.outbound import OutboundRefused, WebhookSender
from app.services.identity.keys import Sealer
from app.services.integrations.plugins import DeliveryContext, PluginRegistry
from app.services.privacy.consent import ConsentService
from app.supervision import UNREACHABLE, Backoff, pause

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Destination:
    name: str
    kind: str
    purpose: str | None
    topics: tuple[str, ...]
    batch_size: int
    forward_erasures: bool
    active: bool
    config: Mapping[str, Any]


class DestinationStopped(CdpError):
    """The destination is not active: nothing is queued for it."""


class DestinationService:
    def __init__(
        self,
        store: DestinationStore,
        outbox: DestinationOutbox,
        sealer: Sealer,
        consent: ConsentService,
        sender: WebhookSender,
        plugins: PluginRegistry,
        plain_traits: Callable[[list[str]], Awaitable[dict[str, dict[str, Any]]]],
        max_attempts: int = 5,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.outbox = outbox
        self.sealer = sealer
        self.consent = consent
        self.sender = sender
        self.plugins = plugins
        self.plain_traits = plain_traits
        self.max_attempts = max_attempts
        self.clock = clock
        #: The clock of back-offs (never wall time, which may jump).
        self.monotonic = monotonic
        #: When each destination's next attempt may start after a failed one.
        self._retry_at: dict[str, float] = {}

    @property
    def _owner(self) -> str:
        return f"{self.sealer.ws}:destinations"

    # -- definitions -------------------------------------------------------------------------

    async def save(self, raw: Any, by: str) -> Destination:
        try:
            definition = parse_destination(raw)
        except DestinationError as exc:
            raise InvalidInput(str(exc)) from None
        name, config = definition.name, definition.config
        plugin = self.plugins.destinations.get(definition.kind)
        if plugin is None:
            raise InvalidInput(f"kind: one of {', '.join(sorted(self.plugins.destinations))}")
        try:
            plugin.validate(config)
            if isinstance(config.get("url"), str):
                self.sender.check_target(config["url"], resolve=False)
        except (ValueError, OutboundRefused) as exc:
            raise InvalidInput(str(exc)) from None
        key = (await self.sealer.data_keys([self._owner], create=True))[self._owner]
        sealed = self.sealer.seal(key, dict(config), owner=self._owner, field=f"dest:{name}")
        purpose = definition.purpose
        spec = DestinationSpec(
            name=name,
            kind=definition.kind,
            purpose=self.consent.policy.resolve(purpose) if purpose else None,
            topics=definition.topics,
            batch_size=definition.batch_size,
            forward_erasures=definition.forward_erasures,
            config_enc=sealed,
        )
        await self.store.save(spec, self.clock())
        return await self.get(name)

    async def set_active(self, name: str, active: bool) -> Destination:
        await activate(self.store, "destination", name, active, self.clock())
        return await self.get(name)

    async def all(self) -> list[Destination]:
        stored = await self.store.all()
        return await self._opened(stored) if stored else []

    async def get(self, name: str) -> Destination:
        [destination] = await self._opened([await named(self.store, "destination", name)])
        return destination

    async def _opened(self, stored: Sequence[StoredDestination]) -> list[Destination]:
        """Destinations with their configuration opened."""
        key = (await self.sealer.data_keys([self._owner], create=True))[self._owner]
        out = []
        for d in stored:
            config = self.sealer.open(key, d.config_enc, owner=self._owner, field=f"dest:{d.name}")
            out.append(
                Destination(
                    name=d.name,
                    kind=d.kind,
                    purpose=d.purpose,
                    topics=d.topics,
                    batch_size=d.batch_size,
                    forward_erasures=d.forward_erasures,
                    active=d.active,
                    config={**config, "_name": d.name},
                )
            )
        return out

    # -- filling outboxes --------------------------------------------------------------------

    async def _append(self, destination: Destination, items: Sequence[dict[str, Any]]) -> int:
        return await self.outbox.append(destination.name, items)

    async def enqueue(
        self, changes: ProfileChanges, memberships: Sequence[MembershipChange]
    ) -> int:
        """Items for every active destination that listens to their topic (ids, event names,
        plain traits only). A stopped destination gets nothing, then or later."""
        destinations = [d for d in await self.all() if d.active]
        if not destinations:
            return 0
        changed = sorted(p for p, kinds in changes.kinds.items() if "traits" in kinds)
        traits = await self.plain_traits(changed) if changed else {}
        now = self.clock()
        items: dict[str, list[dict[str, Any]]] = {t: [] for t in TOPICS}
        for pid, kinds in sorted(changes.kinds.items()):
            for kind in sorted(kinds):
                items["profiles"].append(
                    {
                        "type": "profile",
                        "profile_id": pid,
                        "change": kind,
                        "related": sorted(changes.related.get((pid, kind), ())),
                        "traits": traits.get(pid) if kind == "traits" else None,
                        "at": now,
                    }
                )
        for m in memberships:
            items["segments"].append(
                {
                    "type": "segment",
                    "profile_id": m.profile_id,
                    "segment": m.segment,
                    "change": "entered" if m.entered else "left",
                    "at": m.at,
                }
            )
        for pid, names in sorted(changes.events.items()):
            for name in sorted(names):
                items["events"].append(
                    {"type": "event", "profile_id": pid, "event": name, "at": now}
                )
        total = 0
        for d in destinations:
            chosen = [dict(i) for t in d.topics for i in items[t]]
            for n, item in enumerate(chosen):
                item["id"] = f"{d.name}:{now:.6f}:{n}"
            total += await self._append(d, chosen)
        return total

    async def send(self, name: str, item: Mapping[str, Any]) -> str:
        """One item into a destination's outbox (a journey's send_to_destination); refused
        while the destination is stopped."""
        return await self.send_to(await self.get(name), item)

    async def send_to(self, destination: Destination, item: Mapping[str, Any]) -> str:
        """`send` to a destination read already (a journey round reads each of its
        destinations once)."""
        if not destination.active:
            raise DestinationStopped("the destination is stopped: nothing is queued for it")
        name = destination.name
        entry = {**item, "id": f"{name}:{item.get('key', self.clock())}", "at": self.clock()}
        await self._append(destination, [entry])
        return str(entry["id"])

    async def forward_erasure(self, profile_ids: Sequence[str], request_id: str) -> int:
        """Tell destinations that forward erasures which profiles are gone (ids only); a
        stopped one gets the notice too, delivered once it is started."""
        total = 0
        for d in await self.all():
            if d.forward_erasures:
                total += await self._append(
                    d,
                    [
                        {
                            "id": f"erasure:{request_id}",
                            "type": "erasure",
                            "profile_ids": list(profile_ids),
                            "at": self.clock(),
                        }
                    ],
                )
        return total

    # -- delivering --------------------------------------------------------------------------

    async def _deliver(self, destination: Destination) -> tuple[int, int]:
        """One batch of one destination: how many items left its outbox, and how many the
        batch took (a full batch: more may be waiting)."""
        name = destination.name
        if self.monotonic() < self._retry_at.get(name, 0.0):
            return 0, 0
        entries = await self.outbox.head(name, destination.batch_size)
        if not entries:
            return 0, 0
        return await self._send_batch(destination, entries), len(entries)

    async def _send_batch(self, destination: Destination, entries: Sequence[OutboxEntry]) -> int:
        """Hand the batch to the destination's kind; returns how many items left the outbox
        (delivered, or dead-lettered)."""
        name = destination.name
        allowed, skipped = await self._consented(destination, [e.item for e in entries])
        plugin = self.plugins.destinations.get(destination.kind)
        try:
            if plugin is None:
                raise DeliveryFailed(f"no plugin for kind {destination.kind!r}")
            if allowed:
                key = f"{name}:{entries[0].id}:{entries[-1].id}"
                ctx = DeliveryContext(self.sender, key, self.clock)
                await plugin.deliver(allowed, destination.config, ctx)
        except OutboundRefused as exc:
            # The target may not be called: final at once, never retried.
            log.warning("destination %s: target refused (%s)", name, exc)
            await self._dead_letter(name, entries, "OutboundRefused", str(exc))
            return len(entries)
        except Exception as exc:
            attempt = await self.outbox.failed(name)
            log.warning("destination %s: delivery failed (%s)", name, type(exc).__name__)
            if attempt < self.max_attempts:
                self._retry_at[name] = self.monotonic() + min(60.0, 0.2 * 2**attempt)
                return 0
            await self._dead_letter(name, entries, type(exc).__name__)
            return len(entries)
        await self.outbox.delivered(name, entries, len(allowed), skipped)
        self._retry_at.pop(name, None)
        return len(entries)

    async def _dead_letter(
        self, name: str, entries: Sequence[OutboxEntry], reason: str, detail: str | None = None
    ) -> None:
        """Move a batch from the outbox to the dead letters, with why (the error's kind, and
        for a refusal the rule that refused it: no URL, no personal data)."""
        refused = reason == "OutboundRefused"
        await self.outbox.dead_letter(name, entries, reason, detail, refused=refused)
        self._retry_at.pop(name, None)

    async def _consented(
        self, destination: Destination, items: list[dict[str, Any]]
    ) -> tuple[list[dict[str, Any]], int]:
        if destination.purpose is None:
            return items, 0
        ids = sorted({i["profile_id"] for i in items if i.get("profile_id")})
        verdicts = await self.consent.may_use_many(ids, destination.purpose) if ids else {}
        # An erasure notice is not a use of the data: it always goes.
        kept = [
            i
            for i in items
            if i["type"] == "erasure" or (i.get("profile_id") and verdicts[i["profile_id"]].allowed)
        ]
        return kept, len(items) - len(kept)

    async def deliver_all(self) -> int:
        return (await self.deliver_round())[0]

    async def deliver_round(self) -> tuple[int, bool]:
        """One batch of every active destination: how many items left the outboxes, and
        whether a batch was full (more may be waiting)."""
        moved, full = 0, False
        for destination in await self.all():
            if destination.active:
                left, taken = await self._deliver(destination)
                moved += left
                full = full or taken == destination.batch_size
        return moved, full

    async def run(self, stop: asyncio.Event, idle: float = 0.5) -> None:
        backoff = Backoff(idle, 10.0)
        while not stop.is_set():
            try:
                _, full = await self.deliver_round()
            except UNREACHABLE as exc:
                delay = backoff.next()
                log.warning(
                    "destinations wait for a backing service (%s); retrying in %.1f s",
                    type(exc).__name__,
                    delay,
                )
                await pause(stop, delay)
                continue
            except Exception:
                log.exception("destination delivery round failed")
                await pause(stop, backoff.next())
                continue
            backoff.reset()
            if not full:
                # No outbox held more than a batch: its items gather for `idle` seconds before
                # the next round, rather than go a few at a time as they come.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), idle)

    async def stats(self, name: str) -> dict[str, int]:
        return await self.outbox.stats(name)

    async def replay(self, name: str) -> int:
        """Move a destination's dead letters back to its outbox."""
        await self.get(name)
        return await self.outbox.replay(name)
