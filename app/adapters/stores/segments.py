"""Segments in Neo4j (cypher/segments/): `(:Segment)` nodes keyed `<ws>:<name>` hold the
definition and the current whole evaluation run; membership is an edge
`(:Profile)-[:IN_SEGMENT {since}]->(:Segment)`. Conditions are evaluated as Cypher predicates
(`segment_cypher.py`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

import orjson
from redis.asyncio import Redis

from app.adapters.cypher import query
from app.adapters.neo4j_db import Graph
from app.adapters.stores.definitions import Neo4jDefinitions
from app.adapters.stores.segment_cypher import (
    ZONES,
    Rendering,
    counted_events,
    required_event,
    with_predicate,
)
from app.adapters.valkey.changes import ValkeySegmentEvents
from app.domain.segments import TimeInputs
from app.ports.identity import IdentityTransaction, IdentityWrites
from app.ports.segment_predicates import Predicate
from app.ports.segments import (
    Decided,
    Evaluation,
    Placement,
    RunProgress,
    RunState,
    SegmentSpec,
    SegmentStorage,
    SegmentView,
)


def _evaluation(row: Mapping[str, Any]) -> Evaluation | None:
    if row.get("evaluation_status") is None:
        return None
    finished = row.get("evaluation_finished_at")
    return Evaluation(
        status=str(row["evaluation_status"]),
        done=int(row["evaluation_done"]),
        total=int(row["evaluation_total"]),
        entered=int(row["evaluation_entered"]),
        left=int(row["evaluation_left"]),
        started_at=float(row["evaluation_started_at"]),
        finished_at=None if finished is None else float(finished),
    )


def _view(row: Mapping[str, Any]) -> SegmentView:
    return SegmentView(
        name=row["name"],
        description=row["description"] or "",
        definition=orjson.loads(row["definition"]),
        version=int(row["version"]),
        active=bool(row["active"]),
        updated_at=float(row["updated_at"]),
        members=int(row["members"]),
        evaluation=_evaluation(row),
    )


class Neo4jSegmentCatalog(Neo4jDefinitions[SegmentView]):
    """Definitions, stored as sorted JSON: every save is a new version."""

    def __init__(self, graph: Graph, ws: str) -> None:
        super().__init__("segments", _view, partial(graph.read, ws=ws), partial(graph.write, ws=ws))
        self.graph = graph
        self.ws = ws

    async def save(self, spec: SegmentSpec, at: float) -> int:
        rows = await self.graph.write(
            "segments/save",
            ws=self.ws,
            name=spec.name,
            description=spec.description,
            definition=orjson.dumps(spec.definition, option=orjson.OPT_SORT_KEYS).decode(),
            at=at,
            by=spec.by,
        )
        return int(rows[0]["version"])

    async def active_definitions(self) -> list[dict[str, Any]]:
        rows = await self.graph.read("segments/active_definitions", ws=self.ws)
        return [orjson.loads(r["definition"]) for r in rows]


class Neo4jSegmentRuns:
    """Whole evaluation runs, as properties of the segment node."""

    def __init__(self, graph: Graph, ws: str) -> None:
        self.graph = graph
        self.ws = ws

    async def start(self, name: str, run: str, at: float) -> None:
        await self.graph.write("segments/evaluation_start", ws=self.ws, name=name, run=run, at=at)

    async def state(self, name: str) -> RunState | None:
        rows = await self.graph.read("segments/evaluation_state", ws=self.ws, name=name)
        if not rows:
            return None
        r = rows[0]
        return RunState(
            run=r["run"],
            status=r["status"],
            cursor=str(r["cursor"] or ""),
            active=bool(r["active"]),
            definition=orjson.loads(r["definition"]),
        )

    async def record(self, name: str, run: str, progress: RunProgress, at: float) -> bool:
        rows = await self.graph.write(
            "segments/evaluation_progress",
            ws=self.ws,
            name=name,
            run=run,
            cursor=progress.cursor,
            done=progress.done,
            entered=progress.entered,
            left=progress.left,
            status=progress.status,
            at=at,
        )
        return bool(rows)

    async def refresh_marks(self) -> dict[str, float | None]:
        rows = await self.graph.read("segments/refresh_marks", ws=self.ws)
        return {
            str(r["name"]): None if r["refreshed_at"] is None else float(r["refreshed_at"])
            for r in rows
        }

    async def mark_refreshed(self, name: str, at: float) -> None:
        await self.graph.write("segments/mark_refreshed", ws=self.ws, name=name, at=at)


class Neo4jSegmentMemberships:
    """Memberships as `IN_SEGMENT` edges, decided by compiled predicates."""

    def __init__(self, graph: Graph, ws: str) -> None:
        self.graph = graph
        self.ws = ws

    def _key(self, segment: str) -> str:
        return f"{self.ws}:{segment}"

    async def of_profile(self, profile_id: str) -> list[tuple[str, float]]:
        rows = await self.graph.read("segments/of_profile", ws=self.ws, id=profile_id)
        return [(str(r["name"]), float(r["since"])) for r in rows]

    async def members(self, segment: str, after: str, limit: int) -> list[str]:
        rows = await self.graph.read(
            "segments/members_page", key=self._key(segment), after=after, limit=limit
        )
        return [str(r["id"]) for r in rows]

    async def profile_ids(self, after: str, limit: int) -> list[str]:
        rows = await self.graph.read(
            "segments/active_ids_page", ws=self.ws, after=after, limit=limit
        )
        return [str(r["id"]) for r in rows]

    async def moved_by_time(self, inputs: TimeInputs, since: float, now: float) -> list[str]:
        found: set[str] = set()
        if inputs.windows:
            windows = [{"name": n, "days": d} for n, d in sorted(inputs.windows)]
            rows = await self.graph.read(
                "segments/window_leavers",
                ws=self.ws,
                windows=windows,
                since=since,
                now=now,
                zones=ZONES,
            )
            found.update(rows[0]["profiles"])
        if inputs.purposes:
            rows = await self.graph.read(
                "segments/consent_expirers",
                ws=self.ws,
                purposes=sorted(inputs.purposes),
                since=since,
                now=now,
            )
            found.update(rows[0]["profiles"])
        return sorted(found)

    async def count(self, predicate: Predicate, now: float, sample: int) -> tuple[int, list[str]]:
        rendering = Rendering(self.ws)
        anchor = required_event(predicate)
        template = query("segments/preview" if anchor is None else "segments/preview_from_event")
        text = with_predicate(template, rendering.render(predicate))
        rows = await self.graph.read_text(
            text, ws=self.ws, now=now, sample=sample, anchor=anchor, **rendering.params
        )
        return int(rows[0]["total"]), [str(i) for i in rows[0]["sample"]]

    async def decide(
        self, predicates: Sequence[Predicate], plan: Mapping[str, Sequence[int]], now: float
    ) -> Decided:
        if not plan:
            return Decided({}, {})
        rendering = Rendering(self.ws, collected=True)
        # One CASE per condition: a condition is evaluated only for the rows that list it.
        cases = ", ".join(
            f"CASE WHEN {n} IN row.at THEN ({rendering.render(p)}) END"
            for n, p in enumerate(predicates)
        )
        text = with_predicate(query("segments/evaluate_many"), cases)
        counted = [counted_events(p) for p in predicates]
        rows = [
            {
                "id": pid,
                "at": list(plan[pid]),
                "events": sorted(set().union(*(counted[n] for n in plan[pid]))),
            }
            for pid in sorted(plan)
        ]
        found = await self.graph.read_text(text, ws=self.ws, now=now, rows=rows, **rendering.params)
        met: dict[str, set[int]] = {}
        held: dict[str, set[str]] = {}
        for row in found:
            if row["active"]:
                met[row["profile"]] = {n for n, member in enumerate(row["members"]) if member}
            if row["segments"]:
                held[row["profile"]] = {str(name) for name in row["segments"]}
        return Decided(met, held)

    def _rows(self, placements: Sequence[Placement]) -> list[dict[str, str]]:
        """Rows sorted by profile, then segment: writers take their locks in one order."""
        return [{"key": self._key(p.segment), "id": p.profile_id} for p in sorted(placements)]

    @staticmethod
    def _placements(rows: list[dict[str, Any]]) -> list[Placement]:
        return sorted(Placement(str(pid), str(r["segment"])) for r in rows for pid in r["ids"])

    async def enter(
        self, tx: IdentityTransaction, placements: Sequence[Placement], at: float
    ) -> list[Placement]:
        if not placements:
            return []
        rows = await tx.run("segments/enter_many", rows=self._rows(placements), at=at)
        return self._placements(rows)

    async def leave(
        self, tx: IdentityTransaction, placements: Sequence[Placement]
    ) -> list[Placement]:
        if not placements:
            return []
        return self._placements(await tx.run("segments/leave_many", rows=self._rows(placements)))


def neo4j_segment_storage(
    graph: Graph, transactions: IdentityWrites, redis: Redis, ws: str
) -> SegmentStorage:
    """Segments' storage for one workspace: Neo4j, and the segment event stream in Valkey."""
    return SegmentStorage(
        catalog=Neo4jSegmentCatalog(graph, ws),
        runs=Neo4jSegmentRuns(graph, ws),
        memberships=Neo4jSegmentMemberships(graph, ws),
        events=ValkeySegmentEvents(redis, ws),
        transactions=transactions,
    )
