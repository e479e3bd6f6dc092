"""Golden-record re-decision runs as `(:Redecision)` nodes (cypher/redecisions/)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from app.adapters.neo4j_db import Graph
from app.ports.redecisions import ProfilePage, RedecisionRun

_FIELDS = {f.name for f in dataclasses.fields(RedecisionRun)}


def _run(row: Mapping[str, Any]) -> RedecisionRun:
    # Neo4j keeps no null property: a run of every profile has no `source` stored.
    stored = {"source": None, **row["run"]}
    return RedecisionRun(**{k: v for k, v in stored.items() if k in _FIELDS})


class Neo4jRedecisionStore:
    def __init__(self, graph: Graph, ws: str) -> None:
        self.graph = graph
        self.ws = ws

    async def create(self, run: RedecisionRun) -> None:
        await self.graph.write(
            "redecisions/create",
            id=run.id,
            ws=self.ws,
            reason=run.reason,
            source=run.source,
            by=run.by,
            requested_at=run.requested_at,
            not_before=run.not_before,
        )

    async def get(self, run_id: str) -> RedecisionRun | None:
        rows = await self.graph.read("redecisions/get", id=run_id, ws=self.ws)
        return _run(rows[0]) if rows else None

    async def latest(self, limit: int, source: str | None = None) -> list[RedecisionRun]:
        rows = await self.graph.read("redecisions/latest", ws=self.ws, source=source, limit=limit)
        return [_run(r) for r in rows]

    async def unfinished(self) -> list[RedecisionRun]:
        return [_run(r) for r in await self.graph.read("redecisions/unfinished", ws=self.ws)]

    async def start(self, run_id: str, total: int, at: float) -> RedecisionRun | None:
        rows = await self.graph.write(
            "redecisions/start", id=run_id, ws=self.ws, total=total, at=at
        )
        return _run(rows[0]) if rows else None

    async def advance(self, run: RedecisionRun, moved: RedecisionRun) -> bool:
        rows = await self.graph.write(
            "redecisions/advance",
            id=run.id,
            ws=self.ws,
            after=moved.after,
            checked=moved.checked,
            redecided=moved.redecided,
            changed=moved.changed,
            at=moved.heartbeat_at,
            expected=run.after,
        )
        return bool(rows)

    async def finish(self, run_id: str, at: float) -> None:
        await self.graph.write("redecisions/finish", id=run_id, ws=self.ws, at=at)

    async def count_active(self) -> int:
        rows = await self.graph.read("redecisions/count_active_profiles", ws=self.ws)
        return int(rows[0]["total"])

    async def page(self, after: str, limit: int, source: str | None) -> ProfilePage:
        rows = await self.graph.read(
            "redecisions/profile_page", ws=self.ws, after=after, limit=limit, source=source
        )
        return ProfilePage(list(rows[0]["checked"]), list(rows[0]["concerned"]))
