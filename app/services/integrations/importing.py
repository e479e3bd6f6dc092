"""Bulk import: NDJSON of Segment-spec messages, or CSV of profiles with a column mapping.

Files are streamed (never held in memory) and fed to the same pipeline as live events: each
batch is accepted into the stream, and the resolver writes it. Every message has a stable id
(its own messageId, or one made of the file's fingerprint and the line number), so a re-run
adds nothing twice; a state file beside the input remembers the last accepted line, so an
interrupted import resumes there. Bad rows go to a rejects file with their line number and
the reason, never with their values.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import orjson

from app.domain.identity import ANONYMOUS_ID, EMAIL, PHONE, USER_ID, IdentifierError, validate_type
from app.domain.messages import TrackedMessage
from app.domain.tracking.parse import Receipt, TrackingError, parse_typed
from app.errors import InvalidInput
from app.services.tracking.acceptance import AcceptanceService, Backpressure
from app.services.tracking.sources import Source

#: Messages per stream entry: like a tracker's batch, so a resolver transaction (50 entries)
#: stays the size it is built for.
BATCH = 100


@dataclass
class ImportSummary:
    read: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    resumed_after: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class ColumnMap:
    """Which CSV columns are identifiers (column -> type) and which are traits (-> name)."""

    identifiers: Mapping[str, str]
    traits: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, raw: Any) -> ColumnMap:
        if not isinstance(raw, Mapping) or set(raw) - {"identifiers", "traits"}:
            raise InvalidInput("column map: an object with identifiers and traits")
        identifiers = dict(raw.get("identifiers") or {})
        if not identifiers:
            raise InvalidInput("column map: at least one identifier column")
        for column, type_ in identifiers.items():
            try:
                validate_type(str(type_))
            except IdentifierError as exc:
                raise InvalidInput(f"column map: identifiers.{column}: {exc}") from None
        return cls(
            {str(k): str(v) for k, v in identifiers.items()},
            {str(k): str(v) for k, v in (raw.get("traits") or {}).items()},
        )

    def message(self, row: Mapping[str, str], message_id: str) -> dict[str, Any]:
        """An identify message for one CSV row (empty cells are left out)."""
        traits: dict[str, Any] = {
            name: row[col] for col, name in self.traits.items() if row.get(col, "") != ""
        }
        out: dict[str, Any] = {"type": "identify", "messageId": message_id}
        external: list[dict[str, str]] = []
        for column, type_ in self.identifiers.items():
            value = row.get(column, "")
            if value == "":
                continue
            if type_ == USER_ID:
                out["userId"] = value
            elif type_ == ANONYMOUS_ID:
                out["anonymousId"] = value
            elif type_ in (EMAIL, PHONE):
                traits[type_] = value
            else:
                external.append(
                    {"id": value, "type": type_, "collection": "users", "encoding": "none"}
                )
        out["traits"] = traits
        if external:
            out["context"] = {"externalIds": external}
        return out


def fingerprint(path: Path) -> str:
    """Stable across re-runs of the same file (and appends to a large one)."""
    with path.open("rb") as file:
        head = file.read(64 * 1024)
    return hashlib.sha256(path.name.encode() + b"\0" + head).hexdigest()[:16]


#: Reads a file's rows: (line number, bytes read so far, the row or an error text).
RowReader = Callable[[io.BufferedReader, str], Iterator[tuple[int, int, Any]]]


class ImportState:
    """`<file>.import-state.json`: the last line whose batch was accepted."""

    def __init__(self, path: Path) -> None:
        self.path = path.with_name(path.name + ".import-state.json")

    def load(self, fingerprint: str) -> int:
        if not self.path.exists():
            return 0
        data = orjson.loads(self.path.read_bytes())
        return int(data["line"]) if data.get("fingerprint") == fingerprint else 0

    def save(self, fingerprint: str, line: int) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_bytes(orjson.dumps({"fingerprint": fingerprint, "line": line}))
        tmp.replace(self.path)

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


def ndjson_rows(file: io.BufferedReader, fp: str) -> Iterator[tuple[int, int, Any]]:
    """(line number, bytes read so far, message dict or an error text)."""
    done = 0
    for number, raw in enumerate(file, start=1):
        done += len(raw)
        if not raw.strip():
            continue
        try:
            item = orjson.loads(raw)
        except orjson.JSONDecodeError:
            yield number, done, "not valid JSON"
            continue
        if isinstance(item, dict) and not item.get("messageId"):
            item["messageId"] = f"imp-{fp}-{number}"
        yield number, done, item


def csv_rows(
    file: io.BufferedReader, fp: str, columns: ColumnMap
) -> Iterator[tuple[int, int, Any]]:
    text = io.TextIOWrapper(file, encoding="utf-8", newline="")
    reader = csv.DictReader(text)
    missing = sorted(set(columns.identifiers) - set(reader.fieldnames or []))
    if missing:
        raise InvalidInput(f"CSV: mapped column(s) not in the header: {', '.join(missing)}")
    for number, row in enumerate(reader, start=2):
        yield number, file.tell(), columns.message(row, f"imp-{fp}-{number}")


class Importer:
    def __init__(
        self,
        acceptance: AcceptanceService,
        horizon_days: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.acceptance = acceptance
        self.horizon_days = horizon_days
        self.clock = clock

    async def run(
        self,
        path: Path,
        source: Source,
        rows: RowReader,
        rejects: TextIO,
        progress: Callable[[int, ImportSummary], None] = lambda done, summary: None,
    ) -> ImportSummary:
        fp = fingerprint(path)
        state = ImportState(path)
        resume = state.load(fp)
        summary = ImportSummary(resumed_after=resume)
        started = time.monotonic()
        batch: list[TrackedMessage] = []
        last_line = resume
        with path.open("rb") as file:
            for number, done, item in rows(file, fp):
                if number <= resume:
                    continue
                summary.read += 1
                last_line = number
                message = self._message(item, source, number, rejects, summary)
                if message is not None:
                    batch.append(message)
                if len(batch) >= BATCH:
                    await self._accept(source, batch, summary)
                    state.save(fp, number)
                    batch = []
                progress(done, summary)
        if batch:
            await self._accept(source, batch, summary)
        state.save(fp, last_line)
        state.clear()
        summary.seconds = time.monotonic() - started
        return summary

    def _message(
        self, item: Any, source: Source, number: int, rejects: TextIO, summary: ImportSummary
    ) -> TrackedMessage | None:
        if isinstance(item, str):
            reason = item
        else:
            receipt = Receipt(source.id, self.clock(), self.horizon_days)
            try:
                return parse_typed(item, receipt, "")
            except TrackingError as exc:
                reason = str(exc)
        summary.rejected += 1
        rejects.write(orjson.dumps({"line": number, "reason": reason}).decode() + "\n")
        return None

    async def _accept(
        self, source: Source, batch: list[TrackedMessage], summary: ImportSummary
    ) -> None:
        while True:
            try:
                outcome = await self.acceptance.accept(source, batch)
            except Backpressure as exc:
                await asyncio.sleep(exc.retry_after)  # the resolver is behind: wait for it
                continue
            summary.accepted += outcome.accepted
            summary.duplicates += outcome.duplicates
            return
