"""The Neo4j side of devices: a batch's sightings written in its transaction, and the devices
of profiles read for the API and the subject export."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from app.adapters.identity_graph import IdentityGraph
from app.domain.devices import FACT_NAMES, Fact
from app.ports.devices import DeviceKind, DeviceRow


class Neo4jDeviceStore:
    def __init__(self, graph: IdentityGraph) -> None:
        self.graph = graph

    async def devices_of(self, profile_ids: Sequence[str]) -> list[DeviceRow]:
        if not profile_ids:
            return []
        rows = await self.graph.read("devices/of_profiles", ids=sorted(set(profile_ids)))
        return [_row(r["profile"], r["device"], int(r["profiles"])) for r in rows]


def _row(profile: str, node: Mapping[str, Any], profiles: int) -> DeviceRow:
    facts: dict[str, Fact] = {
        name: node[name] for name in FACT_NAMES if isinstance(node.get(name), str | int | float)
    }
    kind: DeviceKind = "device" if node.get("kind") == "device" else "browser"
    return DeviceRow(
        profile=profile,
        key=str(node["key"]),
        kind=kind,
        first_seen=float(node["first_seen"]),
        last_seen=float(node["last_seen"]),
        events=int(node["events"]),
        profiles=profiles,
        facts=facts,
    )
