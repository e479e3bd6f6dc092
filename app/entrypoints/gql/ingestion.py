"""Sources and the ingestion pipeline's counters; admin only until roles exist."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from app.entrypoints.gql.context import CanRead, Context, IsAdmin
from app.entrypoints.gql.redecisions import Redecision
from app.errors import InvalidInput, NotFound
from app.ports.sources import Source


@strawberry.type(description="A tracking source; its write key is shown only when created.")
class SourceType:
    id: str
    name: str
    trust: float

    @classmethod
    def of(cls, source: Source) -> SourceType:
        return cls(id=source.id, name=source.name, trust=source.trust)

    @strawberry.field(
        description="The latest re-decision of golden records after this source's trust changed."
    )
    async def redecision(self, info: Info[Context, Any]) -> Redecision | None:
        runs = await info.context.container.redecisions.latest(1, self.id)
        return Redecision.of(runs[0]) if runs else None

    @strawberry.field(
        description="How many days this source's events are kept (its own setting, else the "
        "workspace default); 0: for ever."
    )
    async def retention_days(self, info: Info[Context, Any]) -> int:
        return await info.context.loaders.retention_days.load(self.id)


@strawberry.type(description="A new source and its write key (store it: it is not shown again).")
class SourceCreated:
    source: SourceType
    write_key: str


@strawberry.type
class WriteKeyRotated:
    source_id: str
    write_key: str


@strawberry.type(description="The source's new trust, and the run re-deciding what it weighs in.")
class SourceTrustSet:
    source: SourceType
    redecision: Redecision


@strawberry.type
class InvalidSource:
    message: str


@strawberry.type
class SourceNotFound:
    message: str


CreateSourceResult = Annotated[
    SourceCreated | InvalidSource, strawberry.union("CreateSourceResult")
]
SetSourceTrustResult = Annotated[
    SourceTrustSet | InvalidSource | SourceNotFound, strawberry.union("SetSourceTrustResult")
]
RotateWriteKeyResult = Annotated[
    WriteKeyRotated | SourceNotFound, strawberry.union("RotateWriteKeyResult")
]


@strawberry.type(description="Counters of the tracking pipeline since the queue was created.")
class Ingestion:
    accepted: int = strawberry.field(description="messages appended to the stream")
    pending: int = strawberry.field(description="accepted and not yet in the graph")
    processed: int = strawberry.field(description="messages the resolver wrote (or skipped)")
    duplicates: int = strawberry.field(description="replays found already in the graph")
    failed: int = strawberry.field(description="failed attempts (retried, then dead-lettered)")
    dead_lettered: int = strawberry.field(description="messages moved to the dead-letter stream")
    dead_letters_waiting: int = strawberry.field(description="dead letters not yet replayed")
    merges: int
    splits: int
    conflicts: int
    suppressed: int = strawberry.field(
        description="messages dropped because they named an erased (suppressed) identifier"
    )
    consents: int = strawberry.field(description="consent decisions recorded from messages")
    retried: int = strawberry.field(
        description="batch transactions run again: a writer beside the resolver stored one of"
        " their events or identifiers first, or Neo4j broke a deadlock between two writers"
    )


@strawberry.type(description="What the tracking pipeline did in one minute.")
class IngestionMinute:
    at: float = strawberry.field(description="the minute's start, epoch seconds (UTC)")
    accepted: int = strawberry.field(description="messages accepted by the tracking API")
    processed: int = strawberry.field(description="messages the resolver wrote (or skipped)")
    failed: int = strawberry.field(description="failed attempts (retried, then dead-lettered)")
    dead_lettered: int
    merges: int
    splits: int


@strawberry.type
class IngestionQuery:
    @strawberry.field(description="The workspace's tracking sources.", permission_classes=[CanRead])
    async def sources(self, info: Info[Context, Any]) -> list[SourceType]:
        found = await info.context.container.sources.list()
        return [SourceType.of(s) for s in found]

    @strawberry.field(description="Pipeline counters.", permission_classes=[CanRead])
    async def ingestion(self, info: Info[Context, Any]) -> Ingestion:
        stats = await info.context.container.stream.stats()
        return Ingestion(**{name: stats.get(name, 0) for name in INGESTION_FIELDS})

    @strawberry.field(
        description="The pipeline minute by minute over the last `minutes` (1 to 120), oldest"
        " first; the last is the current, unfinished minute.",
        permission_classes=[CanRead],
    )
    async def ingestion_series(
        self, info: Info[Context, Any], minutes: int = 60
    ) -> list[IngestionMinute]:
        if not 1 <= minutes <= MAX_SERIES_MINUTES:
            raise InvalidInput(f"minutes must be between 1 and {MAX_SERIES_MINUTES}")
        series = await info.context.container.stream.series(minutes)
        return [
            IngestionMinute(at=at, **{name: counts.get(name, 0) for name in MINUTE_FIELDS})
            for at, counts in series
        ]


MAX_SERIES_MINUTES = 120
MINUTE_FIELDS = ("accepted", "processed", "failed", "dead_lettered", "merges", "splits")


INGESTION_FIELDS = (
    "accepted",
    "pending",
    "processed",
    "duplicates",
    "failed",
    "dead_lettered",
    "dead_letters_waiting",
    "merges",
    "splits",
    "conflicts",
    "suppressed",
    "consents",
    "retried",
)


@strawberry.type
class IngestionMutation:
    @strawberry.mutation(
        description="Create a source; the answer carries its write key, shown only this once.",
        permission_classes=[IsAdmin],
    )
    async def create_source(
        self, info: Info[Context, Any], name: str, trust: float = 0.5
    ) -> CreateSourceResult:
        try:
            created = await info.context.container.sources.create(name, trust)
        except InvalidInput as exc:
            return InvalidSource(message=str(exc))
        return SourceCreated(source=SourceType.of(created.source), write_key=created.write_key)

    @strawberry.mutation(
        description="Give a source a new trust (0 < trust <= 1). Events from then on weigh by it,"
        " and the golden records it weighs in are re-decided in the background (the answer's"
        " `redecision`, followed with `redecisions`).",
        permission_classes=[IsAdmin],
    )
    async def set_source_trust(
        self, info: Info[Context, Any], source_id: str, trust: float
    ) -> SetSourceTrustResult:
        redecisions = info.context.container.redecisions
        try:
            source, run = await redecisions.set_source_trust(source_id, trust, info.context.actor)
        except InvalidInput as exc:
            return InvalidSource(message=str(exc))
        except NotFound as exc:
            return SourceNotFound(message=str(exc))
        return SourceTrustSet(source=SourceType.of(source), redecision=Redecision.of(run))

    @strawberry.mutation(
        description="Give a source a new write key; the old one stops working within 30 s.",
        permission_classes=[IsAdmin],
    )
    async def rotate_write_key(
        self, info: Info[Context, Any], source_id: str
    ) -> RotateWriteKeyResult:
        try:
            key = await info.context.container.sources.rotate_key(source_id)
        except NotFound as exc:
            return SourceNotFound(message=str(exc))
        return WriteKeyRotated(source_id=source_id, write_key=key)
