"""Sources and the ingestion pipeline's counters; admin only until roles exist."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from app.entrypoints.gql.context import CanRead, Context, IsAdmin
from app.errors import InvalidInput, NotFound


@strawberry.type(description="A tracking source; its write key is shown only when created.")
class SourceType:
    id: str
    name: str
    trust: float


@strawberry.type(description="A new source and its write key (store it: it is not shown again).")
class SourceCreated:
    source: SourceType
    write_key: str


@strawberry.type
class WriteKeyRotated:
    source_id: str
    write_key: str


@strawberry.type
class InvalidSource:
    message: str


@strawberry.type
class SourceNotFound:
    message: str


CreateSourceResult = Annotated[
    SourceCreated | InvalidSource, strawberry.union("CreateSourceResult")
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


@strawberry.type
class IngestionQuery:
    @strawberry.field(description="The workspace's tracking sources.", permission_classes=[CanRead])
    async def sources(self, info: Info[Context, Any]) -> list[SourceType]:
        found = await info.context.container.sources.list()
        return [SourceType(id=s.id, name=s.name, trust=s.trust) for s in found]

    @strawberry.field(description="Pipeline counters.", permission_classes=[CanRead])
    async def ingestion(self, info: Info[Context, Any]) -> Ingestion:
        stats = await info.context.container.stream.stats()
        return Ingestion(**{name: stats.get(name, 0) for name in INGESTION_FIELDS})


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
        s = created.source
        return SourceCreated(
            source=SourceType(id=s.id, name=s.name, trust=s.trust), write_key=created.write_key
        )

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
