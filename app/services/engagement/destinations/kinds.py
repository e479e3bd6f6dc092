"""The built-in destination kinds: `webhook` (signed JSON batches) and `segment` (Segment's
batch format, to any tool that speaks it). Plugins add more with the same two methods."""

from __future__ import annotations

import base64
import time
from collections.abc import Mapping, Sequence
from typing import Any

from app.errors import DeliveryFailed
from app.services.integrations.plugins import DeliveryContext


class WebhookDestination:
    """Signed JSON batches: {"destination": name, "items": [...]}."""

    kind = "webhook"

    def validate(self, config: Mapping[str, Any]) -> None:
        url = config.get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise ValueError("config.url: an http(s) URL")

    async def deliver(
        self, batch: Sequence[Mapping[str, Any]], config: Mapping[str, Any], ctx: DeliveryContext
    ) -> None:
        payload = {"destination": config.get("_name"), "items": list(batch)}
        delivery = await ctx.sender.post(str(config["url"]), payload, ctx.idempotency_key)
        if not delivery.ok:
            raise DeliveryFailed(delivery.error or "not delivered")


class SegmentDestination:
    """Segment's HTTP batch format (`POST <url>/v1/batch`, the write key as Basic user), so the
    data flows on to any tool that accepts Segment's format. The profile id is the `userId`; a
    merge is an `alias` from the merged id to the survivor; a segment change is a track."""

    kind = "segment"

    def validate(self, config: Mapping[str, Any]) -> None:
        if not isinstance(config.get("url"), str) or not str(config["url"]).startswith("http"):
            raise ValueError("config.url: the receiver's base URL, e.g. https://api.segment.io")
        if not isinstance(config.get("write_key"), str) or not config["write_key"]:
            raise ValueError("config.write_key: the receiver's write key")

    @staticmethod
    def message(item: Mapping[str, Any], at: str) -> dict[str, Any] | None:
        base = {"messageId": item["id"], "timestamp": at, "userId": item.get("profile_id")}
        if item["type"] == "event":
            return {**base, "type": "track", "event": item["event"]}
        if item["type"] == "segment":
            name = "Segment Entered" if item["change"] == "entered" else "Segment Left"
            return {
                **base,
                "type": "track",
                "event": name,
                "properties": {"segment": item["segment"]},
            }
        if item["type"] == "profile" and item["change"] == "merged_into" and item["related"]:
            return {
                **base,
                "type": "alias",
                "previousId": item["profile_id"],
                "userId": item["related"][0],
            }
        if item["type"] == "profile" and item.get("traits") is not None:
            return {**base, "type": "identify", "traits": item["traits"]}
        return None  # Segment's format has no erasure call; its own deletion API handles that

    async def deliver(
        self, batch: Sequence[Mapping[str, Any]], config: Mapping[str, Any], ctx: DeliveryContext
    ) -> None:
        at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ctx.now()))
        messages = [m for m in (self.message(i, at) for i in batch) if m is not None]
        if not messages:
            return
        auth = base64.b64encode(f"{config['write_key']}:".encode()).decode()
        url = str(config["url"]).rstrip("/") + "/v1/batch"
        delivery = await ctx.sender.post(
            url, {"batch": messages}, ctx.idempotency_key, {"authorization": f"Basic {auth}"}
        )
        if not delivery.ok:
            raise DeliveryFailed(delivery.error or "not delivered")
