"""The benchmark's workspace (bench/workspace.yaml): segments, journeys and a destination, read,
summarised by kind, and loaded through the public GraphQL API.

Loading uses the operations a frontend uses (graphql/operations/Save*.graphql, Set*Active.graphql)
with an admin API key: destinations first (journeys name them), then segments in file order
(a segment refers only to segments above it), then journeys; each is activated once saved. The
summary (counts by kind and the file's SHA-256) goes into the results, and `activity` reads
back, through the same API, what the run made of it: members per segment, runs and step
outcomes per journey, delivery statistics per destination.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

REPO = Path(__file__).resolve().parents[1]
WORKSPACE_FILE = REPO / "bench" / "workspace.yaml"
OPERATIONS = REPO / "graphql" / "operations"
#: Stands for the benchmark's webhook receiver (http://127.0.0.1:<port>) in the file.
RECEIVER = "${RECEIVER}"
#: Leaf conditions of a segment definition, by their key.
LEAVES = ("trait", "identifier", "event", "consent", "segment")
GROUPS = ("all", "any", "not")
TRIGGERS = ("event", "segment_entered", "segment_left", "trait_changed")


class WorkspaceError(RuntimeError):
    """The workspace file is malformed, or the platform refused part of it."""


@dataclass(frozen=True)
class Workspace:
    path: Path
    sha256: str
    destinations: tuple[dict[str, Any], ...]
    segments: tuple[dict[str, Any], ...]
    journeys: tuple[dict[str, Any], ...]

    @classmethod
    def load(cls, path: Path = WORKSPACE_FILE) -> Workspace:
        data = path.read_bytes()
        raw = yaml.safe_load(data)
        if not isinstance(raw, dict) or raw.get("version") != 1:
            raise WorkspaceError(f"{path}: expected a mapping with version: 1")
        unknown = set(raw) - {"version", "destinations", "segments", "journeys"}
        if unknown:
            raise WorkspaceError(f"{path}: unknown key(s) {', '.join(sorted(unknown))}")
        parts: dict[str, tuple[dict[str, Any], ...]] = {}
        for key in ("destinations", "segments", "journeys"):
            items = raw.get(key) or []
            if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
                raise WorkspaceError(f"{path}: {key} must be a list of mappings")
            parts[key] = tuple(items)
        return cls(
            path=path,
            sha256=hashlib.sha256(data).hexdigest(),
            destinations=parts["destinations"],
            segments=parts["segments"],
            journeys=parts["journeys"],
        )

    def with_receiver(self, url: str) -> Workspace:
        """The definitions with `${RECEIVER}` replaced by the receiver's base URL."""

        def fill(value: Any) -> Any:
            if isinstance(value, str):
                return value.replace(RECEIVER, url.rstrip("/"))
            if isinstance(value, list):
                return [fill(v) for v in value]
            if isinstance(value, dict):
                return {k: fill(v) for k, v in value.items()}
            return value

        return Workspace(
            path=self.path,
            sha256=self.sha256,
            destinations=tuple(fill(d) for d in self.destinations),
            segments=tuple(fill(s) for s in self.segments),
            journeys=tuple(fill(j) for j in self.journeys),
        )

    def summary(self) -> dict[str, Any]:
        """What the results record: the file, its hash and the counts by kind."""
        conditions: Counter[str] = Counter()
        for segment in self.segments:
            conditions.update(condition_kinds(segment["condition"]))
        journeys: Counter[str] = Counter()
        for journey in self.journeys:
            journeys.update(journey_kinds(journey))
        path = self.path.relative_to(REPO) if self.path.is_relative_to(REPO) else self.path
        return {
            "file": str(path),
            "sha256": self.sha256,
            "destinations": len(self.destinations),
            "destination_kinds": dict(Counter(str(d.get("kind")) for d in self.destinations)),
            "segments": len(self.segments),
            "segment_conditions": dict(sorted(conditions.items())),
            "journeys": len(self.journeys),
            "journey_parts": dict(sorted(journeys.items())),
        }


def condition_kinds(condition: Any) -> Counter[str]:
    """Every kind of condition in a definition's condition tree: `all`, `any`, `not`, the leaf
    keys, `trait.<op>` per comparison and `event.<field>` per optional event field given (a
    time window is `event.within_days`)."""
    found: Counter[str] = Counter()
    if not isinstance(condition, Mapping):
        return found
    for group in ("all", "any"):
        if group in condition:
            found[group] += 1
            for item in condition[group]:
                found.update(condition_kinds(item))
            return found
    if "not" in condition:
        found["not"] += 1
        found.update(condition_kinds(condition["not"]))
        return found
    for leaf in LEAVES:
        if leaf in condition:
            found[leaf] += 1
            if leaf == "trait":
                found[f"trait.{condition.get('op', 'eq')}"] += 1
            else:
                for key in sorted(set(condition) - {leaf}):
                    found[f"{leaf}.{key}"] += 1
    return found


def journey_kinds(journey: Mapping[str, Any]) -> Counter[str]:
    """A journey's trigger kind (and `trigger.where`), re-entry, step kinds (a wait by time or
    by event apart) and action kinds, and the kinds of the conditions it holds."""
    found: Counter[str] = Counter()
    trigger = journey.get("trigger") or {}
    for kind in (*TRIGGERS, "where"):
        if kind in trigger:
            found[f"trigger.{kind}"] += 1
    if "where" in trigger:
        found.update(f"condition.{k}" for k in condition_kinds(trigger["where"]).elements())
    found[f"reentry.{str(bool(journey.get('reentry', False))).lower()}"] += 1
    for step in (journey.get("steps") or {}).values():
        kind = str(step.get("type"))
        if kind == "wait":
            kind = "wait.until_event" if "until_event" in step else "wait.seconds"
        found[f"step.{kind}"] += 1
        action = step.get("action")
        if isinstance(action, Mapping):
            found[f"action.{action.get('kind')}"] += 1
        if "condition" in step:
            found.update(f"condition.{k}" for k in condition_kinds(step["condition"]).elements())
    return found


def operation(name: str) -> str:
    """A GraphQL operation as frontends use it (graphql/operations/<name>.graphql)."""
    return (OPERATIONS / f"{name}.graphql").read_text(encoding="utf-8")


class GraphQLClient:
    """POSTs named operations to /graphql with a bearer API key."""

    def __init__(self, base_url: str, api_key: str, timeout: float = 60.0) -> None:
        self.client = httpx.AsyncClient(
            base_url=base_url,
            headers={"Authorization": f"Bearer {api_key}"},
            timeout=timeout,
        )

    async def __aenter__(self) -> GraphQLClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.client.aclose()

    async def run(self, name: str, /, **variables: Any) -> dict[str, Any]:
        response = await self.client.post(
            "/graphql", json={"query": operation(name), "variables": variables}
        )
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or body.get("errors") or "data" not in body:
            errors = body.get("errors") if isinstance(body, dict) else response.text[:300]
            raise WorkspaceError(f"{name}: HTTP {response.status_code}: {errors}")
        data: dict[str, Any] = body["data"]
        return data

    async def mutate(self, name: str, field: str, expected: str, /, **variables: Any) -> None:
        """A mutation whose result union must be `expected` (anything else names the problem)."""
        result = (await self.run(name, **variables))[field]
        if result.get("__typename") != expected:
            what = variables.get("name") or (variables.get("definition") or {}).get("name")
            raise WorkspaceError(
                f"{field} {what}: {result.get('__typename')}: {result.get('message', '')}"
            )


async def apply(base_url: str, api_key: str, workspace: Workspace) -> None:
    """Save and activate every destination, segment and journey, in that order."""
    async with GraphQLClient(base_url, api_key) as gql:
        for d in workspace.destinations:
            await gql.mutate("SaveDestination", "saveDestination", "Destination", definition=d)
            await gql.mutate(
                "SetDestinationActive",
                "setDestinationActive",
                "Destination",
                name=d["name"],
                active=True,
            )
        for s in workspace.segments:
            await gql.mutate("SaveSegment", "saveSegment", "Segment", definition=s)
            await gql.mutate(
                "SetSegmentActive", "setSegmentActive", "Segment", name=s["name"], active=True
            )
        for j in workspace.journeys:
            await gql.mutate("SaveJourney", "saveJourney", "Journey", definition=j)
            await gql.mutate(
                "SetJourneyActive", "setJourneyActive", "Journey", name=j["name"], active=True
            )


async def activity(base_url: str, api_key: str) -> dict[str, Any]:
    """What the run made of the workspace, read through the API."""
    async with GraphQLClient(base_url, api_key) as gql:
        segments = (await gql.run("Segments"))["segments"]
        journeys = (await gql.run("Journeys"))["journeys"]
        destinations = (await gql.run("Destinations"))["destinations"]
    return {
        "segment_members": {s["name"]: s["members"] for s in segments},
        "segments_active": sum(1 for s in segments if s["active"]),
        "journeys": {
            j["name"]: {"active": j["active"], "running": j["running"], "stats": j["stats"]}
            for j in journeys
        },
        "destinations": {
            d["name"]: {"active": d["active"], "stats": d["stats"]} for d in destinations
        },
    }


#: The segment activated at each graph size to time a whole evaluation: events in a window,
#: an event count and a plain trait, over every profile.
ACTIVATION_CONDITION = {
    "any": [
        {"event": "Order Completed", "within_days": 30},
        {
            "all": [
                {"event": "Product Viewed", "min_count": 3},
                {"trait": "plan", "op": "eq", "value": "pro"},
            ]
        },
    ]
}


async def time_activation(
    base_url: str, api_key: str, name: str, poll: float = 0.5, timeout: float = 1800.0
) -> dict[str, Any]:
    """Save a segment and activate it through the API as a marketer would, then follow its
    evaluation (`Segment`) until it is no longer running: how long the mutation took to
    answer, and how long until every profile was decided."""
    async with GraphQLClient(base_url, api_key) as gql:
        definition = {"name": name, "condition": ACTIVATION_CONDITION}
        await gql.mutate("SaveSegment", "saveSegment", "Segment", definition=definition)
        started = time.monotonic()
        segment = (await gql.run("SetSegmentActive", name=name, active=True))["setSegmentActive"]
        answered = time.monotonic() - started
        evaluation = segment["evaluation"]
        while evaluation["status"] == "running" and time.monotonic() - started < timeout:
            await asyncio.sleep(poll)
            segment = (await gql.run("Segment", name=name))["segment"]
            evaluation = segment["evaluation"]
        seconds = time.monotonic() - started
        # Paused again: what follows measures the workspace of the file, not one more segment.
        await gql.mutate("SetSegmentActive", "setSegmentActive", "Segment", name=name, active=False)
    return {
        "segment": name,
        "answered_seconds": round(answered, 2),
        "seconds": round(seconds, 2),
        "status": evaluation["status"],
        "evaluated": evaluation["evaluated"],
        "total": evaluation["total"],
        "members": segment["members"],
        "profiles_per_second": round(evaluation["evaluated"] / seconds, 1) if seconds else None,
    }
