"""A batch's device rows: one per device, one per (identifier, device) pair seen on it.

Aggregated here so the transaction writes each device and each `SEEN_ON` edge once per batch,
whatever the number of events; rows in key order, so writers beside each other lock them in
the same order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from app.domain.devices import device_key
from app.services.identity.ingestion.prepare import PreparedMessage

Row = dict[str, Any]


@dataclass(frozen=True)
class DeviceRows:
    devices: list[Row]  # key, kind, first, last, events, facts (of the latest message)
    seen: list[Row]  # identifier, device, first, last, count


def device_rows(prepared: Iterable[PreparedMessage]) -> DeviceRows:
    """The devices the messages come from and every identifier seen on each."""
    devices: dict[str, Row] = {}
    seen: dict[tuple[str, str], Row] = {}
    for p in prepared:
        sighting = p.identity.device
        if sighting is None:
            continue
        at = p.message.timestamp
        named = sighting.identifier
        key = device_key(p.keys[(named.type, named.value)])
        row = devices.setdefault(
            key,
            {"key": key, "kind": sighting.kind, "first": at, "last": at, "events": 0, "facts": {}},
        )
        row["events"] += 1
        row["first"] = min(row["first"], at)
        if at >= row["last"]:  # the latest message tells the device's current state
            row["facts"] = {**row["facts"], **sighting.facts}
            row["last"] = at
        else:
            row["facts"] = {**sighting.facts, **row["facts"]}
        for ident in p.identity.identifiers:
            pair = (p.keys[(ident.type, ident.value)], key)
            edge = seen.setdefault(
                pair, {"identifier": pair[0], "device": key, "first": at, "last": at, "count": 0}
            )
            edge["count"] += 1
            edge["first"] = min(edge["first"], at)
            edge["last"] = max(edge["last"], at)
    return DeviceRows([devices[k] for k in sorted(devices)], [seen[k] for k in sorted(seen)])
