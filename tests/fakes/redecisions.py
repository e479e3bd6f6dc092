"""Golden-record re-decision runs in memory (the port: app/ports/redecisions.py), over profiles
described by the sources they hold observations from.

Stores made with `in_workspace` share one set of runs and profiles, as two workspaces share
one graph."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from app.ports.redecisions import DONE, RUNNING, WAITING, ProfilePage, RedecisionRun


@dataclass
class Shared:
    runs: dict[str, RedecisionRun] = field(default_factory=dict)
    #: Per workspace, its active profiles by id and the sources each has observations from.
    profiles: dict[str, dict[str, set[str]]] = field(default_factory=dict)


class InMemoryRedecisionStore:
    def __init__(self, ws: str = "ws", shared: Shared | None = None) -> None:
        self.ws = ws
        self.shared = Shared() if shared is None else shared

    def in_workspace(self, ws: str) -> InMemoryRedecisionStore:
        return InMemoryRedecisionStore(ws, self.shared)

    def add_profile(self, profile_id: str, *sources: str) -> None:
        """An active profile of this workspace with observations from these sources."""
        self.shared.profiles.setdefault(self.ws, {})[profile_id] = set(sources)

    def _mine(self, run_id: str) -> RedecisionRun | None:
        run = self.shared.runs.get(run_id)
        return run if run is not None and run.ws == self.ws else None

    async def create(self, run: RedecisionRun) -> None:
        self.shared.runs[run.id] = dataclasses.replace(run, ws=self.ws, status=WAITING)

    async def get(self, run_id: str) -> RedecisionRun | None:
        return self._mine(run_id)

    async def latest(self, limit: int, source: str | None = None) -> list[RedecisionRun]:
        runs = [
            r
            for r in self.shared.runs.values()
            if r.ws == self.ws and (source is None or r.source == source)
        ]
        runs.sort(key=lambda r: (r.requested_at, r.id), reverse=True)
        return runs[:limit]

    async def unfinished(self) -> list[RedecisionRun]:
        runs = [r for r in self.shared.runs.values() if r.ws == self.ws and r.status != DONE]
        return sorted(runs, key=lambda r: (r.requested_at, r.id))

    async def start(self, run_id: str, total: int, at: float) -> RedecisionRun | None:
        run = self._mine(run_id)
        if run is None or run.status == DONE:
            return None
        started = dataclasses.replace(
            run,
            total=total if run.status == WAITING else run.total,
            started_at=run.started_at if run.started_at is not None else at,
            status=RUNNING,
            heartbeat_at=at,
        )
        self.shared.runs[run_id] = started
        return started

    async def advance(self, run: RedecisionRun, moved: RedecisionRun) -> bool:
        stored = self._mine(run.id)
        if stored is None or stored.after != run.after or stored.status != RUNNING:
            return False
        self.shared.runs[run.id] = dataclasses.replace(
            stored,
            after=moved.after,
            checked=moved.checked,
            redecided=moved.redecided,
            changed=moved.changed,
            heartbeat_at=moved.heartbeat_at,
        )
        return True

    async def finish(self, run_id: str, at: float) -> None:
        run = self._mine(run_id)
        if run is not None:
            self.shared.runs[run_id] = dataclasses.replace(
                run, status=DONE, finished_at=at, heartbeat_at=at
            )

    async def count_active(self) -> int:
        return len(self.shared.profiles.get(self.ws, {}))

    async def page(self, after: str, limit: int, source: str | None) -> ProfilePage:
        profiles = self.shared.profiles.get(self.ws, {})
        checked = sorted(pid for pid in profiles if pid > after)[:limit]
        concerned = [p for p in checked if source is None or source in profiles[p]]
        return ProfilePage(checked, concerned)
