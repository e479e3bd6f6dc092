"""Durable acceptance of tracked messages: de-duplicated and appended before we answer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from app.domain.messages import TrackedMessage
from app.errors import CdpError
from app.ports.stream import AcceptOutcome, EventIntake
from app.services.tracking.sources import Source


class Backpressure(CdpError):
    """The resolver is behind: the caller should retry after `retry_after` seconds."""

    def __init__(self, retry_after: int, backlog: int) -> None:
        super().__init__(f"ingestion backlog is full ({backlog} messages waiting); retry later")
        self.retry_after = retry_after
        self.backlog = backlog


def encode_message(message: TrackedMessage) -> bytes:
    return orjson.dumps(message)


def decode_message(payload: bytes) -> TrackedMessage:
    data: dict[str, Any] = orjson.loads(payload)
    data["flags"] = tuple(data.get("flags") or ())
    return TrackedMessage(**data)


class AcceptanceService:
    def __init__(self, stream: EventIntake, bound: int, retry_after: int) -> None:
        self.stream = stream
        self.bound = bound
        self.retry_after = retry_after

    async def accept(self, source: Source, messages: Sequence[TrackedMessage]) -> AcceptOutcome:
        """Append; raises Backpressure (nothing appended) when the backlog passes its bound."""
        if not messages:
            return AcceptOutcome(0, 0)
        payload = [(m.message_id, encode_message(m)) for m in messages]
        outcome = await self.stream.accept(source.id, payload, self.bound)
        if outcome.refused_backlog is not None:
            raise Backpressure(self.retry_after, outcome.refused_backlog)
        return outcome
