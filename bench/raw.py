"""The raw Neo4j limit: ingestion's graph writes on the same messages, and nothing else.

Per batch, one write transaction runs the three upserts ingestion runs (cypher/bench/raw_*,
the same statements as identity/merge_identifiers, merge_evidence and create_events): MERGE
every identifier by its blind-index key with the same properties (including a real AES-GCM
`enc` under a throw-away data key, so sizes match), MERGE one LINKED edge per pair and rule,
MERGE the events with their BY edge. What it leaves out is what the platform adds on top: the
HTTP API, the stream, the key store, the workspace lock, the replay check and resolution, and
anything ingestion writes beyond these three upserts (trait observations, golden records), so
the ratio errs against the platform. Only the transactions are timed (rows are built off the
clock), so the figure is the database's.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from neo4j import AsyncDriver, AsyncManagedTransaction

from app.adapters.cypher import query
from app.adapters.neo4j_db import parameters
from app.domain.messages import MessageIdentity, TrackedMessage
from app.privacy import BlindIndex, FieldCipher
from bench.convert import Identities, to_tracked

RAW_WS = "bench-raw"


@dataclass(frozen=True)
class RawBatch:
    identifiers: list[dict[str, Any]]
    links: list[dict[str, Any]]
    events: list[dict[str, Any]]


@dataclass(frozen=True)
class RawResult:
    ws: str
    events: int
    identifiers: int
    links: int
    batches: int
    batch_size: int
    seconds: float

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "ws": self.ws,
            "events": self.events,
            "identifier_rows": self.identifiers,
            "link_rows": self.links,
            "batches": self.batches,
            "batch_size": self.batch_size,
            "seconds": round(self.seconds, 3),
            "events_per_second": round(self.events_per_second, 1),
        }


@dataclass
class RawPreparer:
    """Builds the rows ingestion would write, with real keys and real-sized ciphertexts."""

    ws: str
    source_id: str
    index: BlindIndex
    identities: Identities
    cipher: FieldCipher = field(default_factory=FieldCipher)
    _data_keys: dict[str, bytes] = field(default_factory=dict)

    def key(self, type_: str, value: str) -> tuple[str, str]:
        digest = self.index.digest(self.ws, type_, value)
        return f"{self.ws}:{type_}:{self.index.kid}:{digest}", digest

    def _data_key(self, owner: str) -> bytes:
        found = self._data_keys.get(owner)
        if found is None:
            found = self._data_keys[owner] = os.urandom(32)
        return found

    def batch(self, messages: Iterable[Mapping[str, Any]], received_at: float) -> RawBatch:
        identifiers: dict[str, dict[str, Any]] = {}
        links: dict[tuple[str, str, str], dict[str, Any]] = {}
        events: list[dict[str, Any]] = []
        for raw in messages:
            m = to_tracked(raw, self.source_id, received_at)
            identity = self.identities.of(m)
            keys = self._identifiers(identity, m.timestamp, identifiers)
            self._links(identity, keys, m.timestamp, links)
            owner = keys[(identity.owner.type, identity.owner.value)] if identity.owner else None
            events.append(self._event(m, identity, owner))
        return RawBatch(
            [identifiers[k] for k in sorted(identifiers)],
            [links[k] for k in sorted(links)],
            events,
        )

    def _identifiers(
        self, identity: MessageIdentity, at: float, rows: dict[str, dict[str, Any]]
    ) -> dict[tuple[str, str], str]:
        """The message's identifier rows merged into `rows` (by key); (type, value) -> key."""
        keys: dict[tuple[str, str], str] = {}
        for ident in identity.identifiers:
            key, digest = self.key(ident.type, ident.value)
            keys[(ident.type, ident.value)] = key
            row = rows.get(key)
            if row is None:
                rows[key] = {
                    "key": key,
                    "type": ident.type,
                    "kid": self.index.kid,
                    "hash": digest,
                    "enc": self.cipher.encrypt_json(
                        self._data_key(key), ident.value, owner=key, field="value"
                    ),
                    "first": at,
                    "last": at,
                }
            else:
                row["first"] = min(row["first"], at)
                row["last"] = max(row["last"], at)
        return keys

    def _links(
        self,
        identity: MessageIdentity,
        keys: dict[tuple[str, str], str],
        at: float,
        links: dict[tuple[str, str, str], dict[str, Any]],
    ) -> None:
        """One LINKED row per pair and rule, counted and merged into `links`."""
        for x, y in identity.pairs():
            kx, ky = keys[(x.type, x.value)], keys[(y.type, y.value)]
            a, b = min(kx, ky), max(kx, ky)
            link = links.setdefault(
                (a, b, identity.rule),
                {
                    "a": a,
                    "b": b,
                    "rule": identity.rule,
                    "weight": self.identities.rules.weight_for(identity.rule),
                    "count": 0,
                    "first": at,
                    "last": at,
                    "source": self.source_id,
                },
            )
            link["count"] += 1
            link["first"] = min(link["first"], at)
            link["last"] = max(link["last"], at)

    def _event(
        self, m: TrackedMessage, identity: MessageIdentity, owner: str | None
    ) -> dict[str, Any]:
        """The event row, its payload sealed under its owner's (or the unowned) data key."""
        event_id = f"{self.ws}:{self.source_id}:{m.message_id}"
        payload = {
            "userId": m.user_id,
            "anonymousId": m.anonymous_id,
            "previousId": m.previous_id,
            "traits": dict(m.traits),
            "properties": dict(m.properties),
            "context": dict(m.context),
        }
        sealed_by = owner or f"{self.ws}:unowned"
        return {
            "id": event_id,
            "type": m.type,
            "name": m.display_name,
            "at": m.timestamp,
            "received_at": m.received_at,
            "source": self.source_id,
            "plain": orjson.dumps({}).decode(),
            "enc": self.cipher.encrypt_json(
                self._data_key(sealed_by), payload, owner=sealed_by, field=event_id
            ),
            "owner": owner,
            "flags": sorted(f"{d.reason}:{d.type}" for d in identity.dropped),
        }


def prepare(
    messages: Iterable[Mapping[str, Any]],
    preparer: RawPreparer,
    batch_size: int,
    received_at: float | None = None,
) -> Iterator[RawBatch]:
    """Distinct messages (replays dropped, as ingestion skips stored events) in batches.

    Lazy: rows are built batch by batch, so millions of messages never sit in memory at once.
    """
    now = time.time() if received_at is None else received_at
    seen: set[str] = set()
    chunk: list[Mapping[str, Any]] = []
    for message in messages:
        message_id = str(message["messageId"])
        if message_id in seen:
            continue
        seen.add(message_id)
        chunk.append(message)
        if len(chunk) >= batch_size:
            yield preparer.batch(chunk, now)
            chunk = []
    if chunk:
        yield preparer.batch(chunk, now)


async def run_raw(
    driver: AsyncDriver, database: str, ws: str, batches: Iterable[RawBatch], batch_size: int
) -> RawResult:
    """Write every batch in its own transaction, one after the other.

    Only the transactions are timed (their durations are summed): building the rows of the
    next batch happens off the clock.
    """

    async def write(tx: AsyncManagedTransaction, batch: RawBatch) -> None:
        for name, rows in (
            ("bench/raw_identifiers", batch.identifiers),
            ("bench/raw_links", batch.links),
            ("bench/raw_events", batch.events),
        ):
            result = await tx.run(query(name), parameters({"rows": rows, "ws": ws}))
            await result.consume()

    seconds = 0.0
    events = identifiers = links = count = 0
    async with driver.session(database=database) as session:
        for batch in batches:
            started = time.perf_counter()
            await session.execute_write(write, batch)
            seconds += time.perf_counter() - started
            events += len(batch.events)
            identifiers += len(batch.identifiers)
            links += len(batch.links)
            count += 1
    return RawResult(
        ws=ws,
        events=events,
        identifiers=identifiers,
        links=links,
        batches=count,
        batch_size=batch_size,
        seconds=seconds,
    )
