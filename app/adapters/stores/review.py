"""The review queue as `(:Suggestion)` nodes tied to what they are about (cypher/review/)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from app.adapters.identity_graph import IdentityGraph
from app.domain.review import (
    FieldVerdict,
    SuggestedIdentifier,
    Suggestion,
    SuggestionKind,
    SuggestionStatus,
    parse_kind,
    parse_status,
)
from app.ports.review import ContendedPair, NewSuggestion


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _verdicts(raw: str | None) -> tuple[FieldVerdict, ...]:
    if not raw:
        return ()
    return tuple(
        FieldVerdict(str(v["field"]), str(v["level"]), float(v["weight"]))
        for v in orjson.loads(raw)
    )


def _suggestion(row: Mapping[str, Any]) -> Suggestion:
    identifiers = tuple(
        SuggestedIdentifier(
            key=str(i["key"]),
            type=str(i["type"]),
            profile=i["profile"],
            generic=bool(i["generic"]),
            blocked=bool(i["blocked"]),
        )
        for i in row["identifiers"]
    )
    profiles = [str(p) for p in row["profiles"]]
    profiles += [i.profile for i in identifiers if i.profile is not None]
    return Suggestion(
        id=str(row["id"]),
        kind=parse_kind(str(row["kind"])),
        status=parse_status(str(row["status"])),
        created_at=float(row["created_at"]),
        rule=row["rule"],
        probability=_float(row["probability"]),
        weight=_float(row["weight"]),
        verdicts=_verdicts(row["verdicts"]),
        identifiers=identifiers,
        profiles=tuple(dict.fromkeys(profiles)),
        decided_at=_float(row["decided_at"]),
        decided_by=row["decided_by"],
        note=row["note"],
    )


class Neo4jSuggestionStore:
    def __init__(self, graph: IdentityGraph) -> None:
        self.graph = graph

    async def contended_pairs(self, refusals: Sequence[str], limit: int) -> list[ContendedPair]:
        rows = await self.graph.read("review/contended_pairs", refusals=list(refusals), limit=limit)
        return [ContendedPair(str(r["a"]), str(r["b"]), str(r["refusal"])) for r in rows]

    async def file(self, rows: Sequence[NewSuggestion], at: float) -> int:
        if not rows:
            return 0
        found = await self.graph.run_write(
            "review/file",
            at=at,
            rows=[
                {
                    "id": r.id,
                    "kind": r.kind,
                    "subject": r.subject,
                    "rule": r.rule,
                    "probability": r.probability,
                    "weight": r.weight,
                    "verdicts": orjson.dumps(
                        [
                            {"field": v.field, "level": v.level, "weight": v.weight}
                            for v in r.verdicts
                        ]
                    ).decode()
                    if r.verdicts
                    else None,
                    "identifiers": list(r.identifiers),
                    "profiles": list(r.profiles),
                }
                for r in rows
            ],
        )
        return int(found[0]["filed"]) if found else 0

    async def suggestions(
        self,
        status: SuggestionStatus | None,
        kind: SuggestionKind | None,
        limit: int,
        offset: int = 0,
    ) -> list[Suggestion]:
        rows = await self.graph.read(
            "review/suggestions", id=None, status=status, kind=kind, limit=limit, offset=offset
        )
        return [_suggestion(r) for r in rows]

    async def suggestion(self, id: str) -> Suggestion | None:
        rows = await self.graph.read(
            "review/suggestions", id=id, status=None, kind=None, limit=1, offset=0
        )
        return _suggestion(rows[0]) if rows else None

    async def decide(
        self, id: str, status: SuggestionStatus, by: str, note: str | None, at: float
    ) -> bool:
        rows = await self.graph.run_write(
            "review/decide", id=id, status=status, by=by, note=note, at=at
        )
        return bool(rows)
