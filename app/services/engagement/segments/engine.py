"""Segments: saving definitions, previewing them, and keeping memberships current.

Membership is an edge `(:Profile)-[:IN_SEGMENT {since}]->(:Segment)`. When profiles change,
only the active segments whose inputs changed are evaluated, and only for those profiles;
entering and leaving are published as profile notices (`segment_entered`, `segment_left`) and
appended to the workspace's segment event stream for journeys. Segments with a time window
(or a consent condition, which can expire) are also refreshed on a schedule.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from redis.asyncio import Redis

from app.adapters.cypher import query
from app.adapters.identity_graph import IdentityGraph, IdentityTx
from app.adapters.valkey.keys import WorkspaceKeys
from app.domain.consent import ConsentPolicy
from app.domain.segments import (
    Condition,
    SegmentDefinition,
    SegmentError,
    dependencies,
    parse_definition,
)
from app.domain.segments.definition import Dependencies
from app.domain.traits import TraitSchema
from app.errors import InvalidInput, NotFound
from app.services.changes.notices import ProfileNotice, ProfileNotifier
from app.services.changes.profile_changes import STRUCTURAL, MembershipChange, ProfileChanges
from app.services.engagement.segments.compiler import Compiled, Compiler, with_predicate
from app.services.engagement.segments.evaluation import (
    DecidePage,
    Enqueue,
    Evaluation,
    PageOutcome,
    WholeEvaluations,
)
from app.services.privacy.consent import ConsentService

PAGE = 1000


@dataclass(frozen=True)
class SegmentView:
    name: str
    description: str
    definition: dict[str, Any]
    version: int
    active: bool
    updated_at: float
    members: int
    #: The latest whole evaluation (activation, a new version of an active segment).
    evaluation: Evaluation | None = None

    @classmethod
    def from_row(cls, r: Mapping[str, Any]) -> SegmentView:
        return cls(
            name=r["name"],
            description=r["description"] or "",
            definition=orjson.loads(r["definition"]),
            version=int(r["version"]),
            active=bool(r["active"]),
            updated_at=float(r["updated_at"]),
            members=int(r["members"]),
            evaluation=Evaluation.from_row(r),
        )


def _concerned(deps: Dependencies, kinds: set[str], events: set[str], traits: set[str]) -> bool:
    if kinds & STRUCTURAL:
        return True
    if "traits" in kinds and ("*" in traits or deps.traits & traits):
        return True
    if "consent" in kinds and deps.purposes:
        return True
    return bool(deps.events & events)


class SegmentService:
    def __init__(
        self,
        graph: IdentityGraph,
        schema: Callable[[], Awaitable[TraitSchema]],
        policy: ConsentPolicy,
        consent: ConsentService,
        redis: Redis,
        notifier: ProfileNotifier | None = None,
        clock: Callable[[], float] = time.time,
        enqueue_evaluation: Enqueue | None = None,
        inline_seconds: float = 2.0,
    ) -> None:
        self.graph = graph
        self.schema = schema
        self.policy = policy
        self.consent = consent
        self.redis = redis
        self.notifier = notifier
        self.clock = clock
        self.events_stream = WorkspaceKeys(graph.ws).segment_events
        self.evaluations = WholeEvaluations(
            graph, self._page_decider, enqueue_evaluation, inline_seconds, PAGE, clock
        )

    # -- definitions -------------------------------------------------------------------------

    async def _compiler(self) -> Compiler:
        defaults = await self.consent.defaults()
        return Compiler(await self.schema(), self.policy, defaults, self.graph.ws)

    async def _check(self, raw: Any) -> tuple[SegmentDefinition, Compiled]:
        try:
            definition = parse_definition(raw)
            compiled = (await self._compiler()).compile(definition.condition)
        except SegmentError as exc:
            raise InvalidInput(str(exc)) from None
        known = {s.name for s in await self.all()}
        refs = dependencies(definition.condition).segments
        missing = sorted(refs - known)
        if missing:
            raise InvalidInput(f"condition: unknown segment(s): {', '.join(missing)}")
        if definition.name in refs or await self._reaches(refs, definition.name):
            raise InvalidInput("condition: segments may not refer to each other in a cycle")
        return definition, compiled

    async def _reaches(self, start: Iterable[str], target: str) -> bool:
        graph = {
            s.name: dependencies(parse_definition(s.definition).condition).segments
            for s in await self.all()
        }
        seen: set[str] = set()
        frontier = list(start)
        while frontier:
            name = frontier.pop()
            if name == target:
                return True
            if name not in seen:
                seen.add(name)
                frontier.extend(graph.get(name, ()))
        return False

    async def validate(self, raw: Any) -> SegmentDefinition:
        return (await self._check(raw))[0]

    async def save(self, raw: Any, by: str) -> SegmentView:
        """Create or replace a definition (a new version); an active segment is re-evaluated."""
        definition, _ = await self._check(raw)
        await self.graph.run_write(
            "segments/save",
            name=definition.name,
            description=definition.description,
            definition=orjson.dumps(definition.source, option=orjson.OPT_SORT_KEYS).decode(),
            at=self.clock(),
            by=by,
        )
        view = await self.get(definition.name)
        if view.active:
            await self.evaluations.start(view.name)
        return await self.get(definition.name)

    async def set_active(self, name: str, active: bool) -> SegmentView:
        """Activate (and evaluate over every profile: see evaluation.py) or pause."""
        rows = await self.graph.run_write(
            "segments/set_active", name=name, active=active, at=self.clock()
        )
        if not rows:
            raise NotFound("no segment with that name")
        if active:
            await self.evaluations.start(name)
        else:
            await self.evaluations.stop(name)
        return await self.get(name)

    async def all(self) -> list[SegmentView]:
        return [SegmentView.from_row(r) for r in await self.graph.read("segments/list")]

    async def get(self, name: str) -> SegmentView:
        rows = await self.graph.read("segments/get", name=name)
        if not rows:
            raise NotFound("no segment with that name")
        return SegmentView.from_row(rows[0])

    async def of_profile(self, profile_id: str) -> list[tuple[str, float]]:
        rows = await self.graph.read("segments/of_profile", id=profile_id)
        return [(r["name"], float(r["since"])) for r in rows]

    async def members(self, name: str, after: str = "", limit: int = 100) -> list[str]:
        rows = await self.graph.read(
            "segments/members_page", key=f"{self.graph.ws}:{name}", after=after, limit=limit
        )
        return [r["id"] for r in rows]

    async def preview(self, raw: Any, sample: int = 10) -> tuple[int, list[str]]:
        """How many active profiles a definition selects now, and a few of them."""
        _, compiled = await self._check(raw)
        text = with_predicate(query("segments/preview"), compiled.predicate)
        rows = await self.graph.read_text(
            text, sample=max(0, min(sample, 100)), **compiled.bind(self.clock())
        )
        return int(rows[0]["total"]), list(rows[0]["sample"])

    async def check(self, condition: Condition, path: str = "condition") -> Compiled:
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
        text = with_predicate(query("segments/evaluate"), compiled.predicate)
        rows = await self.graph.read_text(
            text, ids=sorted(set(profile_ids)), **compiled.bind(self.clock())
        )
        return {r["profile"] for r in rows if r["member"]}

    # -- memberships -------------------------------------------------------------------------

    async def _active(self) -> list[tuple[SegmentDefinition, Dependencies]]:
        """Active segments, those referred to by others first."""
        rows = await self.graph.read("segments/active_definitions")
        found = [parse_definition(orjson.loads(r["definition"])) for r in rows]
        deps = {d.name: dependencies(d.condition) for d in found}
        ordered: list[SegmentDefinition] = []
        placed: set[str] = set()
        pending = sorted(found, key=lambda d: d.name)
        while pending:
            waiting = {d.name for d in pending}
            ready = [d for d in pending if not deps[d.name].segments & waiting]
            if not ready:  # a cycle slipped in: evaluate in name order rather than stop
                ready = pending[:1]
            for d in ready:
                ordered.append(d)
                placed.add(d.name)
            pending = [d for d in pending if d.name not in placed]
        return [(d, deps[d.name]) for d in ordered]

    async def evaluate(
        self, segment: SegmentDefinition, profile_ids: list[str], compiled: Compiled | None = None
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
        self, segments: list[tuple[str, Compiled]], plan: Mapping[str, list[int]]
    ) -> list[MembershipChange]:
        """Re-decide several segments at once, each for the profiles `plan` gives it (profile ->
        positions in `segments`): one read for every decision, one write transaction for every
        entry and exit, then the announcements."""
        if not plan:
            return []
        now = self.clock()
        predicate = ", ".join(
            f"CASE WHEN {n} IN row.at THEN ({c.predicate}) END" for n, (_, c) in enumerate(segments)
        )
        params: dict[str, Any] = {}
        for _, c in segments:
            params.update(c.bind(now))
        text = with_predicate(query("segments/evaluate_many"), predicate)
        rows = [{"id": pid, "at": plan[pid]} for pid in sorted(plan)]
        found = {r["profile"]: r for r in await self.graph.read_text(text, rows=rows, **params)}
        enter: list[dict[str, str]] = []
        leave: list[dict[str, str]] = []
        for pid in sorted(plan):
            row = found.get(pid)
            for n in plan[pid]:
                member = row is not None and bool(row["active"]) and bool(row["members"][n])
                target = enter if member else leave
                target.append({"key": f"{self.graph.ws}:{segments[n][0]}", "id": pid})
        enter.sort(key=lambda r: (r["id"], r["key"]))
        leave.sort(key=lambda r: (r["id"], r["key"]))

        async def write(tx: IdentityTx) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
            entered = await tx.run("segments/enter_many", rows=enter, at=now) if enter else []
            left = await tx.run("segments/leave_many", rows=leave) if leave else []
            return entered, left

        entered, left = await self.graph.write(write)
        changes = [
            MembershipChange(pid, r["segment"], into, now)
            for found_rows, into in ((entered, True), (left, False))
            for r in found_rows
            for pid in r["ids"]
        ]
        await self._announce(changes)
        return changes

    async def _announce(self, changes: list[MembershipChange]) -> None:
        if not changes:
            return
        pipe = self.redis.pipeline(transaction=False)
        for c in changes:
            pipe.xadd(
                self.events_stream,
                {
                    "profile": c.profile_id,
                    "segment": c.segment,
                    "change": "entered" if c.entered else "left",
                    "at": repr(c.at),
                },
                maxlen=100_000,
                approximate=True,
            )
        await pipe.execute()
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
        profiles = sorted(changes.profiles)
        for level in _levels(await self._active()):
            plan: dict[str, list[int]] = {}
            for n, (_, deps) in enumerate(level):
                for pid in profiles:
                    if _concerned(
                        deps,
                        changes.kinds.get(pid, set()),
                        changes.events.get(pid, set()),
                        changes.traits.get(pid, set()),
                    ) or (deps.segments & moved.get(pid, set())):
                        plan.setdefault(pid, []).append(n)
            compiled = [(d.name, compiler.compile(d.condition)) for d, _ in level]
            result = await self._decide(compiled, plan)
            for c in result:
                moved.setdefault(c.profile_id, set()).add(c.segment)
            done += result
        return done

    async def refresh(self) -> list[MembershipChange]:
        """Re-evaluate, over every profile, the active segments that time alone can change (a
        window closes, a consent expires). Activations and edits are runs of their own
        (evaluation.py)."""
        done: list[MembershipChange] = []
        compiler = await self._compiler()
        for segment, deps in await self._active():
            if not deps.windowed:
                continue
            compiled = compiler.compile(segment.condition)
            after = ""
            while True:
                rows = await self.graph.read("segments/active_ids_page", after=after, limit=PAGE)
                if not rows:
                    break
                after = rows[-1]["id"]
                done += await self.evaluate(segment, [r["id"] for r in rows], compiled)
        return done


def _levels(
    ordered: list[tuple[SegmentDefinition, Dependencies]],
) -> list[list[tuple[SegmentDefinition, Dependencies]]]:
    """Segments (those referred to by others first) grouped by depth: a segment is one level
    above the deepest segment it refers to."""
    depth: dict[str, int] = {}
    levels: list[list[tuple[SegmentDefinition, Dependencies]]] = []
    for segment, deps in ordered:
        level = 1 + max((depth.get(name, -1) for name in deps.segments), default=-1)
        depth[segment.name] = level
        while len(levels) <= level:
            levels.append([])
        levels[level].append((segment, deps))
    return levels
