"""Export of profiles (all, or a segment's members) as NDJSON or CSV, streamed page by page.

Personal values (identifiers, personal traits) are decrypted only for a caller allowed to
read them, masked otherwise, exactly as in the GraphQL API. A decrypted export is audited
here (`profiles.exported`), once, whichever command or job asked for it.
"""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator
from typing import Any, TextIO

import orjson

from app.domain.traits import mask
from app.errors import InvalidInput
from app.services.privacy.audit import AuditLog
from app.services.profiles.browse import ProfileBrowser, ProfileFilter
from app.services.profiles.schema import TraitSchemaService
from app.services.profiles.service import ProfileService

PAGE = 100


class ProfileExporter:
    def __init__(
        self,
        browser: ProfileBrowser,
        profiles: ProfileService,
        schemas: TraitSchemaService,
        audit: AuditLog,
    ) -> None:
        self.browser = browser
        self.profiles = profiles
        self.schemas = schemas
        self.audit = audit

    async def export(
        self,
        out: TextIO,
        format: str,
        *,
        reveal: bool,
        by: str,
        segment: str | None = None,
    ) -> int:
        """Writes every active profile (or a segment's members) to `out`; returns how many.

        With `reveal`, personal values are in clear and the export is audited under `by`
        (the segment as target, the count in details) once it is written."""
        if format not in ("ndjson", "csv"):
            raise InvalidInput(f"unknown export format {format!r}: ndjson or csv")
        records = self.records(reveal=reveal, segment=segment)
        if format == "csv":
            schema = await self.schemas.current()
            count = await write_csv(records, out, [f.name for f in schema.fields])
        else:
            count = await write_ndjson(records, out)
        if reveal:
            await self.audit.record(by, "profiles.exported", segment, {"profiles": count})
        return count

    async def records(
        self, *, reveal: bool, segment: str | None = None
    ) -> AsyncIterator[dict[str, Any]]:
        after: str | None = None
        f = ProfileFilter(segment=segment)
        while True:
            page, more = await self.browser.profiles(PAGE, after, f)
            if not page:
                return
            ids = [view.id for _, view in page]
            identifiers = await self.profiles.identifiers_of(ids)
            traits = await self.profiles.traits_of(ids, reveal=reveal)
            for cursor, view in page:
                yield {
                    "id": view.id,
                    "created_at": view.created_at,
                    "updated_at": view.updated_at,
                    "identifiers": [
                        {
                            "type": i.type,
                            "value": i.value if reveal else mask("string", i.value),
                        }
                        for i in identifiers.get(view.id, [])
                    ],
                    "traits": traits.get(view.id, {}),
                }
                after = cursor
            if not more:
                return


async def write_ndjson(records: AsyncIterator[dict[str, Any]], out: TextIO) -> int:
    count = 0
    async for record in records:
        out.write(orjson.dumps(record, option=orjson.OPT_SORT_KEYS).decode() + "\n")
        count += 1
    return count


async def write_csv(
    records: AsyncIterator[dict[str, Any]], out: TextIO, trait_names: list[str]
) -> int:
    """One row per profile: id, times, identifiers as `type:value; ...`, one column per trait
    (lists and objects as JSON)."""
    writer = csv.writer(out)
    writer.writerow(["id", "created_at", "updated_at", "identifiers", *trait_names])
    count = 0
    async for r in records:
        cells = [
            "; ".join(f"{i['type']}:{i['value'] or ''}" for i in r["identifiers"]),
            *(_cell(r["traits"].get(name)) for name in trait_names),
        ]
        writer.writerow([r["id"], r["created_at"], r["updated_at"], *cells])
        count += 1
    return count


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return orjson.dumps(value).decode()
