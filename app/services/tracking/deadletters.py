"""Inspect and replay dead letters: messages the resolver gave up on after several attempts."""

from __future__ import annotations

from dataclasses import dataclass

from app.ports.stream import DeadLetters
from app.services.tracking.acceptance import decode_message
from app.services.tracking.resolver import Ingestion


@dataclass(frozen=True)
class DeadLetter:
    """What an operator may see: ids and the error's name, never the payload's values."""

    id: str
    source: str
    message_id: str
    type: str
    reason: str


class DeadLetterService:
    def __init__(self, stream: DeadLetters, ingestion: Ingestion) -> None:
        self.stream = stream
        self.ingestion = ingestion

    async def list(self, limit: int = 100) -> list[DeadLetter]:
        letters = []
        for entry_id, source, payload, reason in await self.stream.dead_letters(limit):
            try:
                message = decode_message(payload)
                message_id, type_ = message.message_id, str(message.type)
            except (TypeError, ValueError):
                message_id, type_ = "?", "undecodable"
            letters.append(DeadLetter(entry_id, source, message_id, type_, reason))
        return letters

    async def replay(self, limit: int = 100) -> tuple[int, int]:
        """Ingest dead letters again; (replayed, still failing). Successes leave the list."""
        replayed = failing = 0
        for entry_id, _source, payload, _reason in await self.stream.dead_letters(limit):
            try:
                await self.ingestion.ingest([decode_message(payload)])
            except Exception:
                failing += 1
                continue
            await self.stream.remove_dead_letter(entry_id)
            replayed += 1
        return replayed, failing
