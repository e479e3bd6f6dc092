"""Segments: saving definitions, previewing them, and keeping memberships current.

A profile is a member of a segment while it meets the segment's condition. When profiles
change, only the active segments whose inputs changed are evaluated, and only for those
profiles (planning.py); entering and leaving are published as profile notices
(`segment_entered`, `segment_left`) and appended to the workspace's segment event stream.
Segments with a time window (or a consent condition, which can expire) are also refreshed on a
schedule, and a whole segment is evaluated over every profile as a run (evaluation.py).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from app.domain.consent import ConsentPolicy
from app.domain.segments import (
    Condition,
    SegmentDefinition,
    SegmentError,
    dependencies,
    parse_definition,
)
from app.domain.traits import TraitSchema
from app.errors import InvalidInput
from app.ports.definitions import activate, named
from app.ports.identity import IdentityTransaction
from app.ports.segment_predicates import Predicate
from app.ports.segments import MembershipChange, Placement, SegmentSpec, SegmentStorage
from app.ports.segments import SegmentView as SegmentView
from app.services.changes.notices import ProfileNotice, ProfileNotifier
from app.services.changes.profile_changes import ProfileChanges
from app.services.engagement.segments.compiler import Compiler
from app.services.engagement.segments.evaluation import (
    DecidePage,
    Enqueue,
    PageOutcome,
    WholeEvaluations,
)
from app.services.engagement.segments.planning import levels, ordered, plan_level, reaches

PAGE = 1000


class SegmentService:
    def __init__(
        self,
        storage: SegmentStorage,
        schema: Callable[[], Awaitable[TraitSchema]],
        policy: ConsentPolicy,
        purpose_defaults: Callable[[], Awaitable[dict[str, bool]]],
        notifier: ProfileNotifier | None = None,
        clock: Callable[[], float] = time.time,
        enqueue_evaluation: Enqueue | None = None,
        inline_seconds: float = 2.0,
    ) -> None:
        self.storage = storage
        self.catalog = storage.catalog
        self.memberships = storage.memberships
        self.schema = schema
        self.policy = policy
        self.purpose_defaults = purpose_defaults
        self.notifier = notifier
        self.clock = clock
        self.evaluations = WholeEvaluations(
            storage.runs,
            storage.memberships,
            self._page_decider,
            enqueue_evaluation,
            inline_seconds,
            PAGE,
            clock,
        )

    # -- definitions -------------------------------------------------------------------------

    async def _compiler(self) -> Compiler:
        return Compiler(await self.schema(), self.policy, await self.purpose_defaults())

    async def _check(self, raw: Any) -> tuple[SegmentDefinition, Predicate]:
        try:
            definition = parse_definition(raw)
            compiled = (await self._compiler()).compile(definition.condition)
        except SegmentError as exc:
            raise InvalidInput(str(exc)) from None
        stored = {
            s.name: dependencies(parse_definition(s.definition).condition).segments
            for s in await self.all()
        }
        refs = dependencies(definition.condition).segments
        missing = sorted(refs - set(stored))
        if missing:
            raise InvalidInput(f"condition: unknown segment(s): {', '.join(missing)}")
        if reaches(stored, refs, definition.name):
            raise InvalidInput("condition: segments may not refer to each other in a cycle")
        return definition, compiled

    async def validate(self, raw: Any) -> SegmentDefinition:
        return (await self._check(raw))[0]

    async def save(self, raw: Any, by: str) -> SegmentView:
        """Create or replace a definition (a new version); an active segment is re-evaluated."""
        definition, _ = await self._check(raw)
        spec = SegmentSpec(definition.name, definition.description, dict(definition.source), by)
        await self.catalog.save(spec, self.clock())
        view = await self.get(definition.name)
        if view.active:
            await self.evaluations.start(view.name)
        return await self.get(definition.name)

    async def set_active(self, name: str, active: bool) -> SegmentView:
        """Activate (and evaluate over every profile: see evaluation.py) or pause."""
        await activate(self.catalog, "segment", name, active, self.clock())
        if active:
            await self.evaluations.start(name)
        else:
            await self.evaluations.stop(name)
        return await self.get(name)

    async def all(self) -> list[SegmentView]:
        return await self.catalog.all()

    async def get(self, name: str) -> SegmentView:
        return await named(self.catalog, "segment", name)

    async def of_profile(self, profile_id: str) -> list[tuple[str, float]]:
        return await self.memberships.of_profile(profile_id)

    async def members(self, name: str, after: str = "", limit: int = 100) -> list[str]:
        return await self.memberships.members(name, after, limit)

    async def preview(self, raw: Any, sample: int = 10) -> tuple[int, list[str]]:
        """How many active profiles a definition selects now, and a few of them."""
        _, compiled = await self._check(raw)
        return await self.memberships.count(compiled, self.clock(), max(0, min(sample, 100)))

    async def check(self, condition: Condition, path: str = "condition") -> Predicate:
        """Compile a condition on its own (a journey's branch or filter), refusing what cannot
        be compiled (a personal trait, an unknown purpose...)."""
        try:
            return (await self._compiler()).compile(condition, path)
        except SegmentError as exc:
            raise InvalidInput(str(exc)) from None

    async def matches(self, condition: Condition, profile_ids: list[str]) -> set[str]:
        """Which of these profiles meet a condition now."""
        compiled = await self.check(condition)
        if not profile_ids:
            return set()
        plan = {pid: [0] for pid in profile_ids}
        decided = await self.memberships.decide([compiled], plan, self.clock())
        return {pid for pid, positions in decided.met.items() if 0 in positions}

    # -- memberships -------------------------------------------------------------------------

    async def _active(self) -> list[SegmentDefinition]:
        return [parse_definition(d) for d in await self.catalog.active_definitions()]

    async def evaluate(
        self, segment: SegmentDefinition, profile_ids: list[str], compiled: Predicate | None = None
    ) -> list[MembershipChange]:
        """Re-decide one segment for some profiles; write and announce what changed."""
        if not profile_ids:
            return []
        compiled = compiled or (await self._compiler()).compile(segment.condition)
        plan = {pid: [0] for pid in profile_ids}
        return await self._decide([(segment.name, compiled)], plan)

    async def _page_decider(self, segment: SegmentDefinition) -> DecidePage:
        """One segment's condition compiled once, for the pages of a whole evaluation."""
        compiled = (await self._compiler()).compile(segment.condition)

        async def decide(ids: list[str]) -> PageOutcome:
            changes = await self.evaluate(segment, ids, compiled)
            entered = sum(1 for c in changes if c.entered)
            return PageOutcome(entered=entered, left=len(changes) - entered)

        return decide

    async def _decide(
        self, segments: list[tuple[str, Predicate]], plan: Mapping[str, list[int]]
    ) -> list[MembershipChange]:
        """Re-decide several segments at once, each for the profiles `plan` gives it (profile ->
        positions in `segments`): one read for every decision and the memberships held, one
        write transaction for the entries and exits that change one (none when nothing does:
        most decisions keep what is), then the announcements. The write checks each
        membership again, so one that moved in between is neither made twice nor lost."""
        if not plan:
            return []
        now = self.clock()
        decided = await self.memberships.decide([c for _, c in segments], plan, now)
        enter: list[Placement] = []
        leave: list[Placement] = []
        for pid in sorted(plan):
            member_of = decided.held.get(pid, set())
            for n in plan[pid]:
                name = segments[n][0]
                if n in decided.met.get(pid, set()):
                    if name not in member_of:
                        enter.append(Placement(pid, name))
                elif name in member_of:
                    leave.append(Placement(pid, name))
        if not enter and not leave:
            return []

        async def write(tx: IdentityTransaction) -> tuple[list[Placement], list[Placement]]:
            entered = await self.memberships.enter(tx, enter, now) if enter else []
            left = await self.memberships.leave(tx, leave) if leave else []
            return entered, left

        entered, left = await self.storage.transactions.write(write)
        changes = [MembershipChange(p.profile_id, p.segment, True, now) for p in entered]
        changes += [MembershipChange(p.profile_id, p.segment, False, now) for p in left]
        await self._announce(changes)
        return changes

    async def _announce(self, changes: list[MembershipChange]) -> None:
        if not changes:
            return
        await self.storage.events.append(changes)
        if self.notifier is not None:
            await self.notifier.publish(
                ProfileNotice(
                    c.profile_id, "segment_entered" if c.entered else "segment_left", (c.segment,)
                )
                for c in changes
            )

    async def on_changes(self, changes: ProfileChanges) -> list[MembershipChange]:
        """Evaluate only the segments whose inputs changed, only for the profiles that did:
        all segments of one dependency level at once (a segment made of others is decided after
        them, with their new memberships)."""
        done: list[MembershipChange] = []
        moved: dict[str, set[str]] = {}  # profile -> segments whose membership changed
        compiler = await self._compiler()
        for level in levels(ordered(await self._active())):
            plan = plan_level(level, changes, moved)
            compiled = [(d.name, compiler.compile(d.condition)) for d, _ in level]
            result = await self._decide(compiled, plan)
            for c in result:
                moved.setdefault(c.profile_id, set()).add(c.segment)
            done += result
        return done

    async def refresh(self) -> list[MembershipChange]:
        """Re-evaluate the active segments that time alone can change (a window closes, a
        consent expires), for the profiles whose inputs time changed since the segment's last
        refresh (or its last whole evaluation): an event that left a window, a consent that
        expired. A segment never refreshed nor evaluated whole is re-evaluated over every
        profile. A segment made of others follows, for the profiles whose membership in them
        moved. Activations and edits are runs of their own (evaluation.py)."""
        done: list[MembershipChange] = []
        moved: dict[str, set[str]] = {}  # segment -> profiles whose membership moved here
        compiler = await self._compiler()
        marks = await self.storage.runs.refresh_marks()
        now = self.clock()
        for segment, deps in ordered(await self._active()):
            following = set().union(*(moved.get(s, set()) for s in deps.segments))
            if not deps.windowed and not following:
                continue
            compiled = compiler.compile(segment.condition)
            since = marks.get(segment.name)
            if deps.windowed and since is None:
                changes = await self._evaluate_everywhere(segment, compiled)
            else:
                ids = following
                if deps.windowed and since is not None:
                    ids |= set(await self.memberships.moved_by_time(deps.time, since, now))
                ordered_ids = sorted(ids)
                changes = []
                for start in range(0, len(ordered_ids), PAGE):
                    page = ordered_ids[start : start + PAGE]
                    changes += await self.evaluate(segment, page, compiled)
            for change in changes:
                moved.setdefault(change.segment, set()).add(change.profile_id)
            done += changes
            if deps.windowed:
                await self.storage.runs.mark_refreshed(segment.name, now)
        return done

    async def _evaluate_everywhere(
        self, segment: SegmentDefinition, compiled: Predicate
    ) -> list[MembershipChange]:
        done: list[MembershipChange] = []
        after = ""
        while ids := await self.memberships.profile_ids(after, PAGE):
            after = ids[-1]
            done += await self.evaluate(segment, ids, compiled)
        return done
