"""Journey runs as `(:JourneyRun)` nodes and the record of each visit as a `(:JourneyStep)`
(cypher/journeys/)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from app.adapters.identity_graph import IdentityGraph
from app.ports.identity import IdentityTransaction
from app.ports.journey_runs import Run, RunMove, RunStart, RunView, StepRecord, VisitRow


def _run(row: Mapping[str, Any], recorded: Any) -> Run:
    seq = int(row["seq"])
    wait_until = row.get("wait_until")
    return Run(
        id=row["id"],
        journey=row["journey"],
        version=int(row["version"]),
        profile=row["profile"],
        status=row["status"],
        step=row["step"],
        seq=seq,
        started_at=float(row["started_at"]),
        updated_at=float(row["updated_at"]),
        waiting_for=row.get("waiting_for"),
        wait_until=None if wait_until is None else float(wait_until),
        exit_reason=row.get("exit_reason"),
        recorded=None if recorded is None else str(recorded),
        recorded_seq=seq,
    )


def _visit(row: Mapping[str, Any]) -> VisitRow:
    return VisitRow(
        step=row["step"],
        kind=row["kind"],
        outcome=row["outcome"],
        reason=row["reason"],
        at=float(row["at"]),
    )


class Neo4jJourneyRunStore:
    def __init__(self, graph: IdentityGraph) -> None:
        self.graph = graph

    async def start(
        self,
        journey: str,
        version: int,
        step: str,
        trigger: str,
        runs: Sequence[RunStart],
        at: float,
    ) -> list[str]:
        if not runs:
            return []
        started = await self.graph.run_write(
            "journeys/start_runs",
            rows=list(runs),
            journey=journey,
            version=version,
            step=step,
            at=at,
            trigger=trigger,
        )
        return [str(r["id"]) for r in started]

    async def read(self, run_ids: Sequence[str]) -> dict[str, Run]:
        if not run_ids:
            return {}
        rows = await self.graph.read("journeys/runs", ids=list(run_ids))
        return {r["run"]["id"]: _run(r["run"], r["outcome"]) for r in rows}

    async def record(self, tx: IdentityTransaction, records: Sequence[StepRecord]) -> None:
        if not records:
            return
        rows = [
            {
                "key": r.key,
                "run": r.run,
                "journey": r.journey,
                "profile": r.profile,
                "step": r.step,
                "kind": r.kind,
                "outcome": r.outcome,
                "reason": r.reason,
                "at": r.at,
                "detail": orjson.dumps(r.detail, option=orjson.OPT_SORT_KEYS).decode(),
            }
            for r in sorted(records, key=lambda r: r.key)
        ]
        await tx.run("journeys/record_steps", records=rows)

    async def advance(
        self, tx: IdentityTransaction, moves: Sequence[RunMove], at: float
    ) -> dict[str, int]:
        if not moves:
            return {}
        rows = [
            {"id": m["id"], "seq": m["seq"], "changes": dict(m["changes"])}
            for m in sorted(moves, key=lambda m: m["id"])
        ]
        moved = await tx.run("journeys/advance_runs", moves=rows, at=at)
        return {str(r["id"]): int(r["seq"]) for r in moved}

    async def touch(
        self, tx: IdentityTransaction, runs: Sequence[tuple[str, int]], at: float
    ) -> None:
        if runs:
            rows = [{"id": run_id, "seq": seq} for run_id, seq in sorted(runs)]
            await tx.run("journeys/touch_runs", runs=rows, at=at)

    async def stalled(
        self, active_before: float, waiting_before: float, limit: int
    ) -> list[tuple[str, int]]:
        rows = await self.graph.read(
            "journeys/stalled_runs",
            active_before=active_before,
            waiting_before=waiting_before,
            limit=limit,
        )
        return [(str(r["id"]), int(r["seq"])) for r in rows]

    async def waiting_for(self, pairs: Sequence[tuple[str, str]]) -> list[Run]:
        if not pairs:
            return []
        rows = await self.graph.read(
            "journeys/waiting_runs", pairs=[{"profile": p, "event": e} for p, e in pairs]
        )
        return [_run(r["run"], None) for r in rows]

    async def runs_of(self, profile_id: str, limit: int) -> list[RunView]:
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
                steps=tuple(_visit(s) for s in r["steps"]),
            )
            for r in rows
        ]

    async def stats(self, journey: str) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for r in await self.graph.read("journeys/stats", journey=journey):
            out.setdefault(r["step"], {})[r["outcome"]] = int(r["count"])
        return out
