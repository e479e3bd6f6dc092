"""The review queue as `(:Suggestion)` nodes tied to what they are about (cypher/review/)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from app.adapters.identity_graph import IdentityGraph
from app.domain.review import (
    CaughtCounts,
    FieldVerdict,
    SuggestedIdentifier,
    Suggestion,
    SuggestionKind,
    SuggestionStatus,
    parse_kind,
    parse_status,
)
from app.ports.review import (
    AtCapQuery,
    BotSuspect,
    ContendedPair,
    NewSuggestion,
    ProfileAtCap,
    SettleCursor,
    SettledPage,
)


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
        for i in sorted(row["identifiers"], key=lambda i: str(i["key"]))
    )
    profiles = sorted(str(p) for p in row["profiles"])
    profiles += [i.profile for i in identifiers if i.profile is not None]
    s = row["s"]
    return Suggestion(
        id=str(s["id"]),
        kind=parse_kind(str(s["kind"])),
        status=parse_status(str(s["status"])),
        created_at=float(s["created_at"]),
        rule=s["rule"],
        probability=_float(s["probability"]),
        weight=_float(s["weight"]),
        verdicts=_verdicts(s["verdicts"]),
        identifiers=identifiers,
        profiles=tuple(dict.fromkeys(profiles)),
        decided_at=_float(s["decided_at"]),
        decided_by=s["decided_by"],
        note=s["note"],
    )


#: Suggestions filed per transaction.
FILE_CHUNK = 50


def _row(r: NewSuggestion) -> dict[str, Any]:
    verdicts = [{"field": v.field, "level": v.level, "weight": v.weight} for v in r.verdicts]
    return {
        "id": r.id,
        "kind": r.kind,
        "subject": r.subject,
        "rule": r.rule,
        "probability": r.probability,
        "weight": r.weight,
        "verdicts": orjson.dumps(verdicts).decode() if verdicts else None,
        "identifiers": list(r.identifiers),
        "profiles": list(r.profiles),
    }


class Neo4jSuggestionStore:
    def __init__(self, graph: IdentityGraph) -> None:
        self.graph = graph

    async def contended_pairs(
        self, refusals: Sequence[str], since: float, limit: int
    ) -> list[ContendedPair]:
        rows = await self.graph.read(
            "review/contended_pairs", refusals=list(refusals), since=since, limit=limit
        )
        return [ContendedPair(str(r["a"]), str(r["b"]), str(r["refusal"])) for r in rows]

    async def bot_candidates(self, since: float, min_events: int) -> dict[str, int]:
        rows = await self.graph.read("review/bot_candidates", since=since, min_events=min_events)
        return {str(r["key"]): int(r["events"]) for r in rows}

    async def recent_events(self, keys: Sequence[str], window_seconds: float) -> list[BotSuspect]:
        rows = await self.graph.read("review/recent_events", keys=list(keys), window=window_seconds)
        return [BotSuspect(str(r["key"]), str(r["type"]), int(r["recent"])) for r in rows]

    async def profiles_at_cap(self, at: AtCapQuery, since: float, limit: int) -> list[ProfileAtCap]:
        rows = await self.graph.read(
            "review/profiles_at_cap",
            refusals=list(at.refusals),
            sessions=list(at.sessions),
            min_sessions=at.min_sessions,
            total_cap=at.total_cap,
            priority=list(at.priority),
            since=since,
            limit=limit,
        )
        return [ProfileAtCap(str(r["key"]), str(r["profile"]), str(r["refusal"])) for r in rows]

    async def refused_since(self, refusal: str, since: float) -> bool:
        rows = await self.graph.read("review/refused_since", refusal=refusal, since=since)
        return bool(rows and rows[0]["found"])

    async def file(self, rows: Sequence[NewSuggestion], at: float) -> int:
        # A new suggestion's ABOUT edges lock the identifiers and profiles they point at, which
        # the resolver writes too: small transactions hold those locks briefly.
        filed = 0
        for start in range(0, len(rows), FILE_CHUNK):
            chunk = rows[start : start + FILE_CHUNK]
            found = await self.graph.run_write("review/file", at=at, rows=[_row(r) for r in chunk])
            filed += int(found[0]["filed"]) if found else 0
        return filed

    async def filed(self, subjects: Sequence[str]) -> set[str]:
        if not subjects:
            return set()
        rows = await self.graph.read("review/filed_subjects", subjects=list(subjects))
        return {str(r["subject"]) for r in rows}

    async def suggestions(
        self,
        statuses: Sequence[SuggestionStatus],
        kind: SuggestionKind | None,
        limit: int,
        offset: int = 0,
    ) -> list[Suggestion]:
        rows = await self.graph.read(
            "review/suggestions", statuses=list(statuses), kind=kind, limit=limit, offset=offset
        )
        return [_suggestion(r) for r in rows]

    async def suggestion(self, id: str) -> Suggestion | None:
        rows = await self.graph.read("review/suggestion", id=id)
        return _suggestion(rows[0]) if rows else None

    async def claim(self, id: str, token: str, by: str, at: float) -> bool:
        rows = await self.graph.run_write("review/claim", id=id, token=token, by=by, at=at)
        return bool(rows)

    async def close(
        self, id: str, token: str, status: SuggestionStatus, by: str, note: str | None, at: float
    ) -> bool:
        rows = await self.graph.run_write(
            "review/decide", id=id, token=token, status=status, by=by, note=note, at=at
        )
        return bool(rows)

    async def settle(
        self, by: str, at: float, after: SettleCursor | None, limit: int
    ) -> SettledPage:
        after_at, after_id = after or (None, "")
        rows = await self.graph.run_write(
            "review/settle", by=by, at=at, after_at=after_at, after_id=after_id, limit=limit
        )
        row = rows[0]
        last = None if row["last_at"] is None else (float(row["last_at"]), str(row["last_id"]))
        return SettledPage(int(row["settled"]), int(row["read"]), last)

    async def release_claims(self, before: float) -> int:
        rows = await self.graph.run_write("review/release_claims", before=before)
        return int(rows[0]["released"]) if rows else 0

    async def caught(self) -> CaughtCounts:
        rows = await self.graph.read("review/report")
        row = rows[0]
        return CaughtCounts(
            refusals={str(r["refusal"]): int(r["links"]) for r in row["refusals"]},
            generic={str(g["type"]): int(g["count"]) for g in row["generic"]},
            suggestions={
                (str(s["kind"]), str(s["status"])): int(s["count"]) for s in row["suggestions"]
            },
        )
