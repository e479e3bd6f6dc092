"""A journey step's action, taken at most once per visit.

An action's record is written before the action (by the runner, for a whole batch of runs)
and completed after it, so a retried job finds it and never acts twice (a webhook retried
after a crash mid-send carries the same idempotency key). Actions that serve a purpose go
through the consent gate and are skipped, with the reason recorded, without consent. A step
runs only within the rights of the role that saved its version, and is recorded as `refused`
otherwise.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from app.domain.access import ROLE_CAPABILITIES, SET_TRAIT, Role
from app.domain.journeys import Step
from app.errors import Conflict, DeliveryFailed, Forbidden, NotFound
from app.ports.journeys import EmittedEvent, ProfileMarks, TagChange
from app.services.changes.notices import ProfileNotice, ProfileNotifier
from app.services.engagement.actions import ActionRecord, Attempt, ConsentGate
from app.services.engagement.destinations import Destination, DestinationService
from app.services.engagement.journeys.catalog import JourneyCatalog
from app.services.engagement.journeys.runs import Run, Visit
from app.services.engagement.outbound import WebhookSender
from app.services.identity.keys import Sealer
from app.services.integrations.plugins import DeliveryContext, PluginRegistry
from app.services.profiles.service import ProfileService, TraitSetting
from app.supervision import BACKING_SERVICE_DOWN

log = logging.getLogger(__name__)

#: Attempts at storing an emitted event whose owner a blind-index rotation keeps re-keying.
EMIT_ATTEMPTS = 3

#: The destinations a round's actions send to, opened once for the round (by name), or the
#: error that kept one from being read.
Opened = Mapping[str, "Destination | Exception"]


class StepActions:
    def __init__(
        self,
        marks: ProfileMarks,
        catalog: JourneyCatalog,
        gate: ConsentGate,
        sender: WebhookSender,
        profiles: ProfileService,
        sealer: Sealer,
        notifier: ProfileNotifier | None,
        destinations: DestinationService | None,
        plugins: PluginRegistry | None,
        plugin_data_dir: Path | None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.marks = marks
        self.catalog = catalog
        self.gate = gate
        self.sender = sender
        self.profiles = profiles
        self.sealer = sealer
        self.notifier = notifier
        self.destinations = destinations
        self.plugins = plugins
        #: Where plugin actions may write, the workspace's own directory: each kind gets
        #: `<plugin_data_dir>/<kind>` (none if unset).
        self.plugin_data_dir = plugin_data_dir
        self.clock = clock

    async def decided(self, run: Run, step: Step, role: Role | None) -> Visit | None:
        """The visit's outcome when it is known without acting: what a first attempt of a
        retried job recorded, or `refused` when the role that saved the version may not take
        the action. None: the action is to be taken (its visit recorded as started first)."""
        if run.recorded_seq == run.seq and run.recorded in ("taken", "skipped", "refused"):
            # A retried job: the first attempt acted (and recorded) already.
            return Visit(str(run.recorded), recorded=True)
        refused = await self.catalog.step_refusal(step, role)
        if refused is not None:
            return Visit("refused", refused.removeprefix("Forbidden: "))
        return None

    async def act_many(
        self, acts: Sequence[tuple[Run, Step, Role | None]], at_once: int
    ) -> list[Visit | BaseException]:
        """A round's actions, their visits already recorded as started, `at_once` at a time;
        those with a purpose through the consent gate together (one consent read per purpose,
        one write for their records). Per action, in order: what its visit recorded (what it
        did is recorded with the move that follows), or the error of a backing service that
        did not answer (the job runs again once it does)."""
        gated = [i for i, (_, step, _) in enumerate(acts) if _purpose(step) is not None]
        ungated = [i for i in range(len(acts)) if i not in set(gated)]
        tags = [i for i in ungated if _tag(acts[i][1])]
        traits = [i for i in ungated if _kind(acts[i][1]) == "set_trait"]
        emits = [i for i in ungated if _kind(acts[i][1]) == "emit_event"]
        grouped = {*tags, *traits, *emits}
        plain = [i for i in ungated if i not in grouped]
        gate = asyncio.Semaphore(at_once)
        opened = await self._destinations_of([step for _, step, _ in acts])

        async def take(run: Run, step: Step, role: Role | None) -> Visit | Exception:
            async with gate:
                try:
                    detail = await self._perform(run, step, role, opened)
                except Exception as exc:
                    return exc
                return Visit("taken", "no purpose needed", detail)

        attempts = [
            Attempt(
                run.profile,
                str(_purpose(step)),
                f"journey:{run.journey}:{step.id}",
                functools.partial(self._perform, run, step, role, opened),
            )
            for run, step, role in (acts[i] for i in gated)
        ]
        # The groups (plain actions, and the round's tags, trait settings, emitted events and
        # actions for a purpose, each written together) run to the end whatever the others
        # do: an action taken is never left without its outcome.
        groups = (plain, tags, traits, emits, gated)
        found_by_group = await asyncio.gather(
            asyncio.gather(*(take(*acts[i]) for i in plain)),
            self._change_tags([acts[i][:2] for i in tags]),
            self._set_traits([acts[i] for i in traits]),
            self._emit_events([acts[i][:2] for i in emits]),
            self.gate.attempt_many(attempts, gate),
            return_exceptions=True,
        )
        outcomes: dict[int, Visit | Exception] = {}
        for group, found in zip(groups, found_by_group, strict=True):
            if isinstance(found, BaseException):
                if not isinstance(found, Exception):
                    raise found  # cancelled
                outcomes.update(dict.fromkeys(group, found))
                continue
            for i, outcome in zip(group, found, strict=True):
                outcomes[i] = (
                    Visit(outcome.outcome, outcome.reason, outcome.detail)
                    if isinstance(outcome, ActionRecord)
                    else outcome
                )
        return [_visit(outcomes[i]) for i in range(len(acts))]

    async def _perform(
        self, run: Run, step: Step, role: Role | None, opened: Opened
    ) -> dict[str, Any]:
        assert step.action is not None
        params = step.action.params
        profile = run.profile
        kind = step.action.kind
        key = run.visit_key
        if kind == "webhook":
            return await self._webhook(run, step, key)
        if kind == "set_trait":
            (visit,) = await self._set_traits([(run, step, role)])
            if isinstance(visit, Exception):
                raise visit
            return visit.detail
        if _tag(step):
            (visit,) = await self._change_tags([(run, step)])
            return visit.detail
        plugin = self.plugins.actions.get(kind) if self.plugins else None
        if plugin is not None:
            ctx = DeliveryContext(self.sender, key, self.clock, self._plugin_dir(kind))
            return dict(await plugin.run(profile, params, ctx))
        if kind == "send_to_destination":
            return await self._send(run, step, key, opened)
        assert kind == "emit_event"
        (visit,) = await self._emit_events([(run, step)])
        if isinstance(visit, Exception):
            raise visit
        return visit.detail

    async def _change_tags(self, acts: Sequence[tuple[Run, Step]]) -> list[Visit]:
        """Tag actions in one write, then one announcement of their profiles' changes (a tag
        is what segments' `tag` conditions read)."""
        if not acts:
            return []
        changes = [_tag_change(run, step) for run, step in acts]
        await self.marks.change_tags(changes)
        if self.notifier is not None:
            profiles = dict.fromkeys(c.profile_id for c in changes)
            await self.notifier.publish([ProfileNotice(p, "traits") for p in profiles])
        return [Visit("taken", "no purpose needed", {"tag": c.tag}) for c in changes]

    async def _set_traits(
        self, acts: Sequence[tuple[Run, Step, Role | None]]
    ) -> list[Visit | Exception]:
        """`set_trait` actions in one write (each within the rights of the role that saved
        its version); per action, its visit or why it was refused."""
        if not acts:
            return []
        settings = []
        for run, step, role in acts:
            assert step.action is not None
            params = step.action.params
            settings.append(
                TraitSetting(
                    run.profile,
                    str(params["name"]),
                    params["value"],
                    f"journey:{run.journey}",
                    personal_allowed=role is not None and SET_TRAIT in ROLE_CAPABILITIES[role],
                )
            )
        failed = await self.profiles.set_traits(settings)
        return [
            exc or Visit("taken", "no purpose needed", {"trait": s.name})
            for s, exc in zip(settings, failed, strict=True)
        ]

    async def _webhook(self, run: Run, step: Step, key: str) -> dict[str, Any]:
        assert step.action is not None
        params = step.action.params
        payload = {
            "journey": run.journey,
            "version": run.version,
            "run": run.id,
            "step": step.id,
            "profile_id": run.profile,
            "at": self.clock(),
            "data": params.get("data") or {},
        }
        delivery = await self.sender.post(str(params["url"]), payload, key)
        if not delivery.ok:
            raise DeliveryFailed(delivery.error or "delivery failed")
        return {"status": delivery.status, "attempts": delivery.attempts}

    async def _destinations_of(self, steps: Sequence[Step]) -> Opened:
        """The destinations a round's `send_to_destination` steps name, each read once for
        the round (or the error reading it raised, for each of its actions to raise)."""
        names = {
            str(step.action.params["destination"])
            for step in steps
            if step.action is not None and step.action.kind == "send_to_destination"
        }
        opened: dict[str, Destination | Exception] = {}
        if self.destinations is not None:
            for name in sorted(names):
                try:
                    opened[name] = await self.destinations.get(name)
                except Exception as exc:
                    opened[name] = exc
        return opened

    async def _send(self, run: Run, step: Step, key: str, opened: Opened) -> dict[str, Any]:
        assert step.action is not None
        if self.destinations is None:
            raise NotFound("destinations are not available here")
        # Read once for the round by `_destinations_of`, which names every step's destination.
        destination = opened[str(step.action.params["destination"])]
        if isinstance(destination, Exception):
            raise destination
        item = {
            "type": "journey",
            "profile_id": run.profile,
            "journey": run.journey,
            "step": step.id,
            "key": key,
        }
        sent = await self.destinations.send_to(destination, item)
        return {"item": sent}

    def _plugin_dir(self, kind: str) -> Path | None:
        """The directory a plugin action may write to, made on first use (kinds are plain
        names, checked when plugins load)."""
        if self.plugin_data_dir is None:
            return None
        directory = self.plugin_data_dir / kind
        directory.mkdir(parents=True, exist_ok=True)
        return directory

    async def _emit_events(self, acts: Sequence[tuple[Run, Step]]) -> list[Visit | Exception]:
        """`emit_event` actions: their owners read together, their events sealed and stored
        in one write (sealed again for an owner a blind-index rotation re-keyed meanwhile),
        then one announcement; per action, its visit or why it failed."""
        outcomes: dict[int, Visit | Exception] = {}
        pending = list(range(len(acts)))
        emitted: list[tuple[str, str]] = []
        for _ in range(EMIT_ATTEMPTS):
            if not pending:
                break
            owners = await self.marks.owners_of(sorted({acts[i][0].profile for i in pending}))
            for i in pending:
                if acts[i][0].profile not in owners:
                    outcomes[i] = NotFound("the profile has no identifier any more")
            pending = [i for i in pending if i not in outcomes]
            data_keys = await self.sealer.data_keys(sorted(set(owners.values())), create=True)
            events = {i: self._sealed_event(*acts[i], owners, data_keys) for i in pending}
            stored = await self.marks.emit_many(list(events.values()))
            for i, event in events.items():
                if event.id in stored:
                    outcomes[i] = Visit("taken", "no purpose needed", {"event": event.id})
                    emitted.append((event.owner, event.name))
            pending = [i for i in pending if i not in outcomes]
        for i in pending:
            outcomes[i] = Conflict(
                "the profile's identifiers kept changing while the event was stored"
            )
        if self.notifier is not None and emitted:
            await self.notifier.publish([], emitted)
        return [outcomes[i] for i in range(len(acts))]

    def _sealed_event(
        self, run: Run, step: Step, owners: Mapping[str, str], data_keys: Mapping[str, bytes]
    ) -> EmittedEvent:
        """The event a step emits, sealed under the data key of the identifier that owns its
        profile's new events."""
        assert step.action is not None
        event_id = f"{self.sealer.ws}:journey:{run.visit_key}"
        owner = owners[run.profile]
        enc = self.sealer.seal(
            data_keys[owner],
            {"properties": {"journey": run.journey}},
            owner=owner,
            field=f"event:{event_id}",
        )
        name = str(step.action.params["event"])
        return EmittedEvent(event_id, name, self.clock(), f"journey:{run.journey}", enc, owner)


def _purpose(step: Step) -> str | None:
    assert step.action is not None
    return step.action.purpose


def _kind(step: Step) -> str:
    assert step.action is not None
    return step.action.kind


def _tag(step: Step) -> bool:
    return _kind(step) in ("add_tag", "remove_tag")


def _tag_change(run: Run, step: Step) -> TagChange:
    assert step.action is not None
    add = step.action.kind == "add_tag"
    return TagChange(run.profile, str(step.action.params["tag"]), add)


def _visit(outcome: Visit | Exception) -> Visit | BaseException:
    """What an action's visit records: a refusal by the rights check of the write itself (a
    schema change since the version was saved), or a failure named by its error; a backing
    service that did not answer is handed back to be raised."""
    if isinstance(outcome, Visit):
        return outcome
    if isinstance(outcome, Forbidden):
        return Visit("refused", str(outcome).removeprefix("Forbidden: "))
    if isinstance(outcome, BACKING_SERVICE_DOWN):
        return outcome
    log.warning("journey action failed: %s", type(outcome).__name__)
    return Visit("failed", type(outcome).__name__)
