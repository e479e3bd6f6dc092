"""Customer journeys: definitions stored and versioned in Neo4j, runs carried by arq jobs.

A run is a `(:JourneyRun)` with a position (`step`) and a sequence number (`seq`). Every job
carries (run id, seq) only; a job whose seq is no longer the run's (a duplicate, or a timeout
that lost to the awaited event) does nothing. Each visit of a step leaves a `(:JourneyStep)`
record (history and statistics); an action's record is written before the action and
completed after it, so a retried job finds it and never acts twice (a webhook retried after a
crash mid-send carries the same idempotency key). Actions that serve a purpose go through the
consent gate and are skipped, with the reason recorded, without consent.

Saving or activating a journey needs the rights its actions need (a plugin's action declares a
capability, admin by default; `set_trait` of a personal trait needs what `setTrait` needs), and
each version records the role of whoever saved it: a step runs only within that role's rights,
checked again when it runs (the trait schema may have changed since), and is recorded as
`refused` otherwise.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from app.adapters.identity_graph import IdentityGraph, IdentityTx
from app.domain.access import (
    ROLE_CAPABILITIES,
    SET_TRAIT,
    Capability,
    Principal,
    Role,
    refusal,
)
from app.domain.journeys import Journey, JourneyError, PluginAction, Step, parse_journey
from app.domain.segments import dependencies
from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.services.changes.notices import ProfileNotice, ProfileNotifier
from app.services.engagement.actions import ConsentGate
from app.services.engagement.destinations import DestinationService
from app.services.engagement.outbound import OutboundRefused, WebhookSender
from app.services.engagement.segments.engine import MembershipChange, ProfileChanges, SegmentService
from app.services.identity.keys import Sealer
from app.services.integrations.plugins import DeliveryContext, PluginRegistry
from app.services.profiles.service import ProfileService
from app.supervision import BACKING_SERVICE_DOWN

log = logging.getLogger(__name__)

#: Steps one job may take before handing over to the next job (a guard, not a limit users see).
STEPS_PER_JOB = 50
FINISHED = ("completed", "exited", "failed")
#: Keys of a run as read (never stored): the outcome its visit at `RECORDED_SEQ` recorded.
RECORDED = "_recorded"
RECORDED_SEQ = "_recorded_seq"

Enqueue = Callable[[str, int, float], Awaitable[None]]  # (run id, seq, defer seconds)


@dataclass(frozen=True)
class JourneyView:
    name: str
    description: str
    definition: dict[str, Any]
    version: int
    active: bool
    updated_at: float
    running: int


@dataclass(frozen=True)
class RunView:
    id: str
    journey: str
    version: int
    status: str
    step: str
    started_at: float
    updated_at: float
    exit_reason: str | None
    steps: tuple[dict[str, Any], ...]


#: Attempts at storing an emitted event whose owner a blind-index rotation keeps re-keying.
EMIT_ATTEMPTS = 3


@dataclass(frozen=True)
class StoredVersion:
    """A version as the worker runs it: the definition, and the role of whoever saved it
    (None when unknown: then nothing beyond what any journey may do runs)."""

    journey: Journey
    role: Role | None


@dataclass(frozen=True)
class Visit:
    """What one visit of a step did, as its record says."""

    outcome: str
    reason: str = ""
    detail: dict[str, Any] = field(default_factory=dict)
    #: Already stored (a retried job finds its first attempt's record).
    recorded: bool = False

    @property
    def unrecorded(self) -> Visit | None:
        """This visit if it still has to be recorded, else None."""
        return None if self.recorded else self


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


class JourneyService:
    def __init__(
        self,
        graph: IdentityGraph,
        segments: SegmentService,
        gate: ConsentGate,
        sender: WebhookSender,
        profiles: ProfileService,
        sealer: Sealer,
        notifier: ProfileNotifier | None,
        enqueue: Enqueue,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.graph = graph
        self.segments = segments
        self.gate = gate
        self.sender = sender
        self.profiles = profiles
        self.sealer = sealer
        self.notifier = notifier
        self.enqueue = enqueue
        self.clock = clock
        self._versions: dict[tuple[str, int], StoredVersion] = {}
        #: Set by the composition root (destinations are built after journeys).
        self.destinations: DestinationService | None = None
        self.plugins: PluginRegistry | None = None
        #: Where plugin actions may write, the workspace's own directory: each kind gets
        #: `<plugin_data_dir>/<kind>` (none if unset).
        self.plugin_data_dir: Path | None = None

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

    async def refusals(self, journey: Journey, role: Role | None) -> list[str]:
        """Why a caller with `role` may not have this journey run, one reason per step it may
        not use (empty: it may)."""
        found: list[str] = []
        for step in journey.steps.values():
            reason = await self._step_refusal(step, role)
            if reason is not None:
                found.append(reason)
        return found

    async def _step_refusal(self, step: Step, role: Role | None) -> str | None:
        action = step.action
        if action is None:
            return None
        where = f"steps.{step.id}.action"
        needed = self._plugin_capability(action.kind)
        if needed is not None:
            return refusal(role, needed, f"the {action.kind} action ({where})", Capability.SEGMENTS)
        if action.kind == "set_trait":
            field = (await self.profiles.golden.effective_schema()).classify(
                str(action.params["name"])
            )
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

    # -- definitions -------------------------------------------------------------------------

    async def validate(self, raw: Any) -> Journey:
        try:
            journey = parse_journey(raw, self._plugin_actions())
        except JourneyError as exc:
            raise InvalidInput(str(exc)) from None
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
        watched = journey.trigger.trait_changed
        if (
            watched is not None
            and (await self.profiles.golden.effective_schema()).classify(watched) is None
        ):
            raise InvalidInput(f"trigger.trait_changed: {watched[:40]!r} is not a declared trait")
        destinations = (
            {d.name for d in await self.destinations.all()} if self.destinations else set()
        )
        schema = await self.profiles.golden.effective_schema()
        for step in journey.steps.values():
            if step.action is not None and step.action.kind == "set_trait":
                wanted = str(step.action.params["name"])
                if schema.classify(wanted) is None:
                    raise InvalidInput(
                        f"steps.{step.id}.action.name: {wanted[:40]!r} is not a declared trait"
                    )
            if step.action is not None and step.action.kind == "send_to_destination":
                wanted = str(step.action.params["destination"])
                if wanted not in destinations:
                    raise InvalidInput(f"steps.{step.id}.action.destination: no {wanted!r}")
            if step.action is not None and step.action.kind == "webhook":
                try:
                    self.sender.check_target(str(step.action.params["url"]), resolve=False)
                except OutboundRefused as exc:
                    raise InvalidInput(f"steps.{step.id}.action.{exc}") from None
        return journey

    async def save(self, raw: Any, caller: Principal) -> JourneyView:
        """Validate and store a new version. Refused (`Forbidden`) when the caller's role may not
        use one of its actions; the version records that role, the rights its steps run with."""
        journey = await self.validate(raw)
        await self._check_rights(journey, caller)
        await self.graph.run_write(
            "journeys/save",
            name=journey.name,
            description=journey.description,
            definition=orjson.dumps(journey.source, option=orjson.OPT_SORT_KEYS).decode(),
            at=self.clock(),
            by=caller.actor,
            by_role=caller.role.value,
        )
        return await self.get(journey.name)

    async def set_active(self, name: str, active: bool, caller: Principal) -> JourneyView:
        """Activate or pause. Activating needs the rights the current version's actions need;
        pausing is always allowed."""
        if active:
            current = await self.get(name)
            try:
                journey = parse_journey(current.definition, self._plugin_actions())
            except JourneyError as exc:
                raise InvalidInput(f"the stored definition no longer validates: {exc}") from None
            await self._check_rights(journey, caller)
        rows = await self.graph.run_write(
            "journeys/set_active", name=name, active=active, at=self.clock()
        )
        if not rows:
            raise NotFound("no journey with that name")
        return await self.get(name)

    async def all(self) -> list[JourneyView]:
        rows = await self.graph.read("journeys/list")
        return [
            JourneyView(
                name=r["name"],
                description=r["description"] or "",
                definition=orjson.loads(r["definition"]),
                version=int(r["version"]),
                active=bool(r["active"]),
                updated_at=float(r["updated_at"]),
                running=int(r["running"]),
            )
            for r in rows
        ]

    async def get(self, name: str) -> JourneyView:
        found = next((j for j in await self.all() if j.name == name), None)
        if found is None:
            raise NotFound("no journey with that name")
        return found

    async def _version(self, name: str, version: int) -> StoredVersion:
        """A stored version; InvalidInput if its definition no longer validates (a plugin gone
        or changed since it was saved)."""
        cached = self._versions.get((name, version))
        if cached is None:
            rows = await self.graph.read("journeys/version", name=name, version=version)
            if not rows:
                raise NotFound("journey version gone")
            try:
                journey = parse_journey(orjson.loads(rows[0]["definition"]), self._plugin_actions())
            except JourneyError as exc:
                raise InvalidInput(f"the stored definition no longer validates: {exc}") from None
            cached = StoredVersion(journey, saver_role(rows[0]["by_role"], rows[0]["by"]))
            self._versions[(name, version)] = cached
        return cached

    # -- triggers ----------------------------------------------------------------------------

    async def on_changes(
        self, changes: ProfileChanges, memberships: Iterable[MembershipChange]
    ) -> int:
        """Start runs for the triggers these changes fire, and resume runs waiting for the
        events that arrived. Returns how many runs started."""
        entered = list(memberships)
        started = 0
        for row in await self.graph.read("journeys/active_versions"):
            name, version = str(row["name"]), int(row["version"])
            try:
                journey = (await self._version(name, version)).journey
            except InvalidInput as exc:
                log.warning("journey %s not started: %s", name, exc)
                continue
            trigger = journey.trigger
            if trigger.event is not None:
                candidates = sorted(
                    p for p, names in changes.events.items() if trigger.event in names
                )
            elif trigger.trait_changed is not None:
                candidates = sorted(
                    p for p, fields in changes.traits.items() if trigger.trait_changed in fields
                )
            else:
                wanted = trigger.segment_entered or trigger.segment_left
                candidates = sorted(
                    {
                        m.profile_id
                        for m in entered
                        if m.segment == wanted
                        and m.entered == (trigger.segment_entered is not None)
                    }
                )
            if candidates and trigger.where is not None:
                chosen = await self.segments.matches(trigger.where, candidates)
                candidates = [p for p in candidates if p in chosen]
            started += await self._start(journey, version, candidates)
        await self._resume_waiting(changes)
        return started

    async def _start(self, journey: Journey, version: int, profile_ids: list[str]) -> int:
        """Start a run for each profile (one transaction), except where one is in flight and
        re-entry is not allowed; returns how many started."""
        if not profile_ids:
            return 0
        rows = []
        for profile_id in profile_ids:
            run_id = str(uuid.uuid4())
            key = run_id if journey.reentry else f"{journey.name}|{profile_id}"
            rows.append({"id": run_id, "profile": profile_id, "active_key": key})
        started = await self.graph.run_write(
            "journeys/start_runs",
            rows=rows,
            journey=journey.name,
            version=version,
            step=journey.start,
            at=self.clock(),
            trigger=next(
                kind
                for kind in ("event", "segment_entered", "segment_left", "trait_changed")
                if getattr(journey.trigger, kind) is not None
            ),
        )
        for row in started:
            await self.enqueue(str(row["id"]), 0, 0.0)
        return len(started)

    async def _resume_waiting(self, changes: ProfileChanges) -> None:
        pairs = [
            {"profile": p, "event": name} for p, names in changes.events.items() for name in names
        ]
        if not pairs:
            return
        for row in await self.graph.read("journeys/waiting_runs", pairs=pairs):
            run = await self._run(row["id"])
            if run is None:
                continue
            try:
                journey = (await self._version(run["journey"], int(run["version"]))).journey
            except InvalidInput:
                continue  # its next job ends it (step)
            step = journey.steps[run["step"]]
            arrived = Visit("event_arrived", "the awaited event arrived")
            seq = await self._advance(run, step.next, arrived, step)
            if seq is not None and step.next is not None:
                await self.enqueue(run["id"], seq, 0.0)

    # -- running -----------------------------------------------------------------------------

    async def _run(self, run_id: str) -> dict[str, Any] | None:
        """The run, with `RECORDED`: the outcome its current visit recorded (None if none)."""
        rows = await self.graph.read("journeys/run", id=run_id)
        if not rows:
            return None
        run = dict(rows[0]["run"])
        return {**run, RECORDED: rows[0]["outcome"], RECORDED_SEQ: run["seq"]}

    async def _advance(
        self,
        run: dict[str, Any],
        next_step: str | None,
        visit: Visit | None = None,
        step: Step | None = None,
        **changes: Any,
    ) -> int | None:
        """Move to `next_step` (None: the run ends), recording `visit` of `step` in the same
        transaction; returns the new seq, None if another job moved the run first."""
        values: dict[str, Any] = {"waiting_for": None, "wait_until": None, **changes}
        if next_step is None:
            values.setdefault("status", "completed")
            values.setdefault("exit_reason", "reached the end")
        else:
            values.setdefault("status", "active")
            values["step"] = next_step
        return await self._transition(run, values, visit, step)

    async def _transition(
        self,
        run: dict[str, Any],
        values: dict[str, Any],
        visit: Visit | None = None,
        step: Step | None = None,
    ) -> int | None:
        record = None if visit is None or step is None else self._record_params(run, step, visit)

        async def work(tx: IdentityTx) -> list[dict[str, Any]]:
            if record is not None:
                await tx.run("journeys/record_step", **record)
            return await tx.run(
                "journeys/advance", id=run["id"], seq=run["seq"], changes=values, at=self.clock()
            )

        rows = await self.graph.write(work)
        if not rows:
            return None
        run.update(values)
        run["seq"] = int(rows[0]["seq"])
        return int(run["seq"])

    def _record_params(self, run: dict[str, Any], step: Step, visit: Visit) -> dict[str, Any]:
        return {
            "key": f"{run['id']}:{run['seq']}",
            "run": run["id"],
            "journey": run["journey"],
            "profile": run["profile"],
            "step": step.id,
            "kind": step.action.kind if step.action else step.type,
            "outcome": visit.outcome,
            "reason": visit.reason,
            "at": self.clock(),
            "detail": orjson.dumps(visit.detail, option=orjson.OPT_SORT_KEYS).decode(),
        }

    async def _record(self, run: dict[str, Any], step: Step, visit: Visit) -> None:
        await self.graph.run_write("journeys/record_step", **self._record_params(run, step, visit))

    async def step(self, run_id: str, seq: int) -> str:
        """The job: carry a run on from position `seq` until it waits or ends."""
        run = await self._run(run_id)
        if run is None or run["status"] in FINISHED or int(run["seq"]) != seq:
            return "stale"
        try:
            stored = await self._version(run["journey"], int(run["version"]))
        except InvalidInput as exc:
            log.warning("journey run %s ended: %s", run_id, exc)
            await self._advance(run, None, status="failed", exit_reason=str(exc)[:300])
            return "failed"
        journey = stored.journey
        if run["status"] == "waiting":
            step = journey.steps[run["step"]]
            if step.until_event is not None:
                visit = Visit("timed_out", "the awaited event did not come")
                target = step.on_timeout
            else:
                visit = Visit("waited", f"{step.seconds:g} s")
                target = step.next
            if await self._advance(run, target, visit, step) is None:
                return "stale"
        for _ in range(STEPS_PER_JOB):
            if run["status"] in FINISHED:
                return str(run["status"])
            step = journey.steps[run["step"]]
            if step.type == "wait":
                return await self._wait(run, step)
            if step.type == "exit":
                exited = Visit("exited", "exit step")
                await self._advance(
                    run, None, exited, step, status="exited", exit_reason="exit step"
                )
                return "exited"
            if step.type == "branch":
                assert step.condition is not None
                met = run["profile"] in await self.segments.matches(
                    step.condition, [run["profile"]]
                )
                target = step.next if met else step.otherwise
                if await self._advance(run, target, Visit("then" if met else "else"), step) is None:
                    return "stale"
                continue
            visit = await self._act(run, step, stored.role)
            outcome = visit.outcome
            if outcome in ("failed", "refused"):
                reason = f"{step.id} {outcome}"
                await self._advance(
                    run, None, visit.unrecorded, step, status="failed", exit_reason=reason
                )
                return "failed"
            if await self._advance(run, step.next, visit.unrecorded, step) is None:
                return "stale"
        await self.enqueue(run_id, int(run["seq"]), 0.0)
        return "continued"

    async def _wait(self, run: dict[str, Any], step: Step) -> str:
        seconds = step.seconds or 0.0
        until = self.clock() + seconds
        visit = Visit("waiting", step.until_event or f"{seconds:g} s", {"until": until})
        values = {"status": "waiting", "waiting_for": step.until_event, "wait_until": until}
        seq = await self._transition(run, values, visit, step)
        if seq is None:
            return "stale"
        await self.enqueue(run["id"], seq, seconds)
        return "waiting"

    async def _act(self, run: dict[str, Any], step: Step, role: Role | None) -> Visit:
        """One action, at most once per visit, only within the rights of the role that saved
        the version (`refused` otherwise), through the consent gate when it has a purpose.
        What it did is recorded with the move that follows (`Visit.recorded` false)."""
        assert step.action is not None
        key = f"{run['id']}:{run['seq']}"
        if run.get(RECORDED_SEQ) == run["seq"]:
            recorded = run.get(RECORDED)  # read with the run
        else:
            done = await self.graph.read("journeys/step_record", key=key)
            recorded = done[0]["outcome"] if done else None
        if recorded in ("taken", "skipped", "refused"):
            # A retried job: the first attempt acted (and recorded) already.
            return Visit(str(recorded), recorded=True)
        refused = await self._step_refusal(step, role)
        if refused is not None:
            return Visit("refused", refused.removeprefix("Forbidden: "))
        await self._record(run, step, Visit("started"))
        action = step.action
        profile = run["profile"]

        async def perform() -> dict[str, Any]:
            return await self._perform(run, step, key, role)

        try:
            if action.purpose is None:
                detail = await perform()
                outcome, reason = "taken", "no purpose needed"
            else:
                record = await self.gate.attempt(
                    profile, action.purpose, f"journey:{run['journey']}:{step.id}", perform
                )
                outcome, reason, detail = record.outcome, record.reason, record.detail
        except Forbidden as exc:  # the rights check of the write itself (a schema change since)
            return Visit("refused", str(exc).removeprefix("Forbidden: "))
        except BACKING_SERVICE_DOWN:
            raise  # the job runs again once Neo4j and Valkey answer (the record says started)
        except Exception as exc:
            log.warning("journey action failed: %s", type(exc).__name__)
            return Visit("failed", type(exc).__name__)
        return Visit(outcome, reason, detail)

    async def _perform(
        self, run: dict[str, Any], step: Step, key: str, role: Role | None
    ) -> dict[str, Any]:
        assert step.action is not None
        params = step.action.params
        profile = run["profile"]
        kind = step.action.kind
        if kind == "webhook":
            payload = {
                "journey": run["journey"],
                "version": run["version"],
                "run": run["id"],
                "step": step.id,
                "profile_id": profile,
                "at": self.clock(),
                "data": params.get("data") or {},
            }
            delivery = await self.sender.post(str(params["url"]), payload, key)
            if not delivery.ok:
                raise DeliveryFailed(delivery.error or "delivery failed")
            return {"status": delivery.status, "attempts": delivery.attempts}
        if kind == "set_trait":
            await self.profiles.set_trait(
                profile,
                str(params["name"]),
                params["value"],
                f"journey:{run['journey']}",
                personal_allowed=role is not None and SET_TRAIT in ROLE_CAPABILITIES[role],
            )
            return {"trait": params["name"]}
        if kind in ("add_tag", "remove_tag"):
            await self.graph.run_write(f"journeys/{kind}", profile=profile, tag=params["tag"])
            if self.notifier is not None:
                await self.notifier.publish([ProfileNotice(profile, "traits")])
            return {"tag": params["tag"]}
        plugin = self.plugins.actions.get(kind) if self.plugins else None
        if plugin is not None:
            ctx = DeliveryContext(self.sender, key, self.clock, self._plugin_dir(kind))
            return dict(await plugin.run(profile, params, ctx))
        if kind == "send_to_destination":
            if self.destinations is None:
                raise NotFound("destinations are not available here")
            sent = await self.destinations.send(
                str(params["destination"]),
                {
                    "type": "journey",
                    "profile_id": profile,
                    "journey": run["journey"],
                    "step": step.id,
                    "key": key,
                },
            )
            return {"item": sent}
        assert kind == "emit_event"
        return await self._emit(run, str(params["event"]), key)

    def _plugin_dir(self, kind: str) -> Path | None:
        """The directory a plugin action may write to, made on first use (kinds are plain
        names, checked when plugins load)."""
        if self.plugin_data_dir is None:
            return None
        directory = self.plugin_data_dir / kind
        directory.mkdir(parents=True, exist_ok=True)
        return directory

    async def _emit(self, run: dict[str, Any], name: str, key: str) -> dict[str, Any]:
        event_id = f"{self.graph.ws}:journey:{key}"
        for _ in range(EMIT_ATTEMPTS):
            reps = await self.graph.read_tx(lambda tx: tx.profile_representatives([run["profile"]]))
            if not reps or reps[0]["representative"] is None:
                raise NotFound("the profile has no identifier any more")
            owner = str(reps[0]["representative"])
            data_key = (await self.sealer.data_keys([owner], create=True))[owner]
            enc = self.sealer.seal(
                data_key,
                {"properties": {"journey": run["journey"]}},
                owner=owner,
                field=f"event:{event_id}",
            )
            stored = await self.graph.run_write(
                "journeys/emit_event",
                id=event_id,
                name=name,
                at=self.clock(),
                source=f"journey:{run['journey']}",
                enc=enc,
                owner=owner,
            )
            if stored:
                break
        else:
            raise Conflict("the profile's identifiers kept changing while the event was stored")
        if self.notifier is not None:
            await self.notifier.publish([], [(owner, name)])
        return {"event": event_id}

    # -- history -----------------------------------------------------------------------------

    async def runs_of(self, profile_id: str, limit: int = 50) -> list[RunView]:
        rows = await self.graph.read("journeys/runs_of_profile", profile=profile_id, limit=limit)
        return [
            RunView(
                id=r["run"]["id"],
                journey=r["run"]["journey"],
                version=int(r["run"]["version"]),
                status=r["run"]["status"],
                step=r["run"]["step"],
                started_at=float(r["run"]["started_at"]),
                updated_at=float(r["run"]["updated_at"]),
                exit_reason=r["run"].get("exit_reason"),
                steps=tuple(dict(s) for s in r["steps"]),
            )
            for r in rows
        ]

    async def stats(self, name: str) -> dict[str, dict[str, int]]:
        rows = await self.graph.read("journeys/stats", journey=name)
        out: dict[str, dict[str, int]] = {}
        for r in rows:
            out.setdefault(r["step"], {})[r["outcome"]] = int(r["count"])
        return out


class DeliveryFailed(Exception):
    """A webhook was not accepted after its retries."""
