"""Journey definitions: validated, stored as versions, activated within the saver's rights.

Saving or activating a journey needs the rights its actions need (a plugin's action declares a
capability, admin by default; `set_trait` of a personal trait needs what `setTrait` needs), and
each version records the role of whoever saved it: a step runs only within that role's rights,
checked again when it runs (the trait schema may have changed since).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.domain.access import SET_TRAIT, Capability, Principal, Role, refusal
from app.domain.journeys import Journey, JourneyError, PluginAction, Step, parse_journey
from app.domain.segments import dependencies
from app.errors import Forbidden, InvalidInput, NotFound
from app.ports.definitions import activate, named
from app.ports.journeys import JourneyStore, JourneyVersionSpec, JourneyView
from app.services.engagement.destinations import DestinationService
from app.services.engagement.outbound import OutboundRefused, WebhookSender
from app.services.engagement.segments.engine import SegmentService
from app.services.integrations.plugins import PluginRegistry
from app.services.profiles.traits import GoldenRecords


@dataclass(frozen=True)
class StoredVersion:
    """A version as the worker runs it: the definition, and the role of whoever saved it
    (None when unknown: then nothing beyond what any journey may do runs)."""

    journey: Journey
    role: Role | None


def saver_role(by_role: Any, by: Any) -> Role | None:
    """The role a version was saved with; versions saved before roles were recorded name it
    as the first part of `by` (`marketer:growth`). None when neither says."""
    raw: Any = by_role
    if raw is None:
        head, sep, _ = str(by or "").partition(":")
        raw = head if sep else None
    try:
        return Role(raw) if isinstance(raw, str) else None
    except ValueError:
        return None


class JourneyCatalog:
    def __init__(
        self,
        store: JourneyStore,
        segments: SegmentService,
        sender: WebhookSender,
        golden: GoldenRecords,
        destinations: DestinationService | None,
        plugins: PluginRegistry | None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.segments = segments
        self.sender = sender
        self.golden = golden
        self.destinations = destinations
        self.plugins = plugins
        self.clock = clock
        self._versions: dict[tuple[str, int], StoredVersion] = {}

    def _plugin_actions(self) -> dict[str, PluginAction]:
        if self.plugins is None:
            return {}
        rules = self.plugins.action_rules
        return {
            kind: PluginAction(rules[kind].fields, plugin.validate)
            for kind, plugin in self.plugins.actions.items()
            if kind in rules
        }

    def _plugin_capability(self, kind: str) -> Capability | None:
        """What a plugin action needs; None for a built-in kind."""
        if self.plugins is None or kind not in self.plugins.action_rules:
            return None
        return self.plugins.action_rules[kind].capability

    def parse(self, raw: Any) -> Journey:
        """The journey a definition describes; JourneyError if it does not validate."""
        return parse_journey(raw, self._plugin_actions())

    async def refusals(self, journey: Journey, role: Role | None) -> list[str]:
        """Why a caller with `role` may not have this journey run, one reason per step it may
        not use (empty: it may)."""
        found: list[str] = []
        for step in journey.steps.values():
            reason = await self.step_refusal(step, role)
            if reason is not None:
                found.append(reason)
        return found

    async def step_refusal(self, step: Step, role: Role | None) -> str | None:
        """Why `role` may not run this step's action (None: it may)."""
        action = step.action
        if action is None:
            return None
        where = f"steps.{step.id}.action"
        needed = self._plugin_capability(action.kind)
        if needed is not None:
            return refusal(role, needed, f"the {action.kind} action ({where})", Capability.SEGMENTS)
        if action.kind == "set_trait":
            schema = await self.golden.effective_schema()
            field = schema.classify(str(action.params["name"]))
            if field is not None and field.pii == "personal":
                return refusal(
                    role,
                    SET_TRAIT,
                    f"set_trait of the personal trait {field.name} ({where})",
                    Capability.SEGMENTS,
                )
        return None

    async def _check_rights(self, journey: Journey, caller: Principal) -> None:
        found = await self.refusals(journey, caller.role)
        if found:
            raise Forbidden(found[0])

    async def validate(self, raw: Any) -> Journey:
        try:
            journey = self.parse(raw)
        except JourneyError as exc:
            raise InvalidInput(str(exc)) from None
        await self._check_segments(journey)
        watched = journey.trigger.trait_changed
        schema = await self.golden.effective_schema()
        if watched is not None and schema.classify(watched) is None:
            raise InvalidInput(f"trigger.trait_changed: {watched[:40]!r} is not a declared trait")
        destinations = (
            {d.name for d in await self.destinations.all()} if self.destinations else set()
        )
        for step in journey.steps.values():
            action = step.action
            if action is not None and action.kind == "set_trait":
                wanted = str(action.params["name"])
                if schema.classify(wanted) is None:
                    raise InvalidInput(
                        f"steps.{step.id}.action.name: {wanted[:40]!r} is not a declared trait"
                    )
            if action is not None and action.kind == "send_to_destination":
                wanted = str(action.params["destination"])
                if wanted not in destinations:
                    raise InvalidInput(f"steps.{step.id}.action.destination: no {wanted!r}")
            if action is not None and action.kind == "webhook":
                try:
                    self.sender.check_target(str(action.params["url"]), resolve=False)
                except OutboundRefused as exc:
                    raise InvalidInput(f"steps.{step.id}.action.{exc}") from None
        return journey

    async def _check_segments(self, journey: Journey) -> None:
        """Every segment the trigger and the conditions name exists, and each condition
        compiles."""
        known = {s.name for s in await self.segments.all()}
        refs = {
            name
            for name in (journey.trigger.segment_entered, journey.trigger.segment_left)
            if name is not None
        }
        conditions = [("trigger.where", journey.trigger.where)] + [
            (f"steps.{s.id}.condition", s.condition) for s in journey.steps.values()
        ]
        for path, condition in conditions:
            if condition is not None:
                refs |= dependencies(condition).segments
                await self.segments.check(condition, path)
        missing = sorted(r for r in refs if r not in known)
        if missing:
            raise InvalidInput(f"unknown segment(s): {', '.join(missing)}")

    async def save(self, raw: Any, caller: Principal) -> JourneyView:
        """Validate and store a new version. Refused (`Forbidden`) when the caller's role may not
        use one of its actions; the version records that role, the rights its steps run with."""
        journey = await self.validate(raw)
        await self._check_rights(journey, caller)
        spec = JourneyVersionSpec(
            journey.name,
            journey.description,
            dict(journey.source),
            caller.actor,
            caller.role.value,
        )
        await self.store.save(spec, self.clock())
        return await self.get(journey.name)

    async def set_active(self, name: str, active: bool, caller: Principal) -> JourneyView:
        """Activate or pause. Activating needs the rights the current version's actions need;
        pausing is always allowed."""
        if active:
            current = await self.get(name)
            try:
                journey = self.parse(current.definition)
            except JourneyError as exc:
                raise InvalidInput(f"the stored definition no longer validates: {exc}") from None
            await self._check_rights(journey, caller)
        await activate(self.store, "journey", name, active, self.clock())
        return await self.get(name)

    async def all(self) -> list[JourneyView]:
        return await self.store.all()

    async def get(self, name: str) -> JourneyView:
        return await named(self.store, "journey", name)

    async def version(self, name: str, version: int) -> StoredVersion:
        """A stored version; InvalidInput if its definition no longer validates (a plugin gone
        or changed since it was saved)."""
        cached = self._versions.get((name, version))
        if cached is None:
            saved = await self.store.version(name, version)
            if saved is None:
                raise NotFound("journey version gone")
            try:
                journey = self.parse(saved.definition)
            except JourneyError as exc:
                raise InvalidInput(f"the stored definition no longer validates: {exc}") from None
            cached = StoredVersion(journey, saver_role(saved.by_role, saved.by))
            self._versions[(name, version)] = cached
        return cached
