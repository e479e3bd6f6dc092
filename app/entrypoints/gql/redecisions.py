"""Golden-record re-decision runs: started by a source's new trust or a trait schema edit,
followed here until done."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from app.entrypoints.gql.context import CanRead, Context
from app.services.profiles.redecision import RedecisionRun


@strawberry.type(
    description="Golden records decided again in the background after a source's trust or the"
    " trait schema changed. The run waits until every process reads the change (about 30 s),"
    " then walks the active profiles; `checked` of `total` says how far it is."
)
class Redecision:
    id: str
    reason: str = strawberry.field(description="source_trust or trait_schema")
    source_id: str | None = strawberry.field(description="the source whose trust changed")
    by: str
    status: str = strawberry.field(description="waiting, running or done")
    requested_at: float
    starts_after: float = strawberry.field(description="when the run may start (epoch s)")
    started_at: float | None
    finished_at: float | None
    checked: int = strawberry.field(description="active profiles looked at so far")
    total: int = strawberry.field(description="active profiles when the run started")
    redecided: int = strawberry.field(description="profiles the change concerned, re-decided")
    changed: int = strawberry.field(description="of those, profiles with a new winning value")

    @classmethod
    def of(cls, run: RedecisionRun) -> Redecision:
        return cls(
            id=run.id,
            reason=run.reason,
            source_id=run.source,
            by=run.by,
            status=run.status,
            requested_at=run.requested_at,
            starts_after=run.not_before,
            started_at=run.started_at,
            finished_at=run.finished_at,
            checked=run.checked,
            total=run.total,
            redecided=run.redecided,
            changed=run.changed,
        )


@strawberry.type
class RedecisionQuery:
    @strawberry.field(
        description="Re-decision runs, newest first (only one source's when `sourceId` is given).",
        permission_classes=[CanRead],
    )
    async def redecisions(
        self, info: Info[Context, Any], limit: int = 20, source_id: str | None = None
    ) -> list[Redecision]:
        runs = await info.context.container.redecisions.latest(limit, source_id)
        return [Redecision.of(r) for r in runs]
