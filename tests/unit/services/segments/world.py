"""A segment service over in-memory stores, its notices going to an in-memory change feed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.domain.consent import ConsentPolicy
from app.domain.traits import TraitSchema
from app.services.changes.notices import ProfileNotifier
from app.services.engagement.segments.engine import SegmentService
from tests.fakes.changes import InMemoryChangeFeed
from tests.fakes.segments import InMemorySegments
from tests.support.clock import Clock

T0 = 1_795_939_200.0  # 2026-11-29T08:00:00Z
DAY = 86_400.0

SCHEMA = TraitSchema.from_mapping(
    {
        "fields": {
            "plan": {"type": "string", "pii": "plain"},
            "lifetime_value": {"type": "number", "pii": "plain"},
            "timezone": {"type": "string", "pii": "plain"},
            "email": {"type": "string", "pii": "personal"},
        }
    }
)


@dataclass
class SegmentWorld:
    fakes: InMemorySegments
    feed: InMemoryChangeFeed
    clock: Clock
    service: SegmentService

    async def activate(self, name: str, condition: dict[str, Any]) -> None:
        await self.service.save({"name": name, "condition": condition}, "tester")
        await self.service.set_active(name, True)

    async def segments_of(self, profile_id: str) -> list[str]:
        return [name for name, _ in await self.service.of_profile(profile_id)]

    def notices(self) -> list[tuple[str, str, tuple[str, ...]]]:
        """The segment notices published to the feed, in order."""
        return [
            (n.profile_id, n.kind, n.related)
            for entry in self.feed.entries.values()
            for n in entry.notices
        ]


def segment_world(
    clock: Clock | None = None, fakes: InMemorySegments | None = None
) -> SegmentWorld:
    fakes = fakes or InMemorySegments()
    feed = InMemoryChangeFeed()
    clock = clock or Clock(T0)

    async def schema() -> TraitSchema:
        return SCHEMA

    async def defaults() -> dict[str, bool]:
        return {"marketing": False}

    service = SegmentService(
        fakes.storage, schema, ConsentPolicy(), defaults, ProfileNotifier(feed), clock=clock
    )
    return SegmentWorld(fakes, feed, clock, service)
