"""Outbound destinations: the service and its outbox (`service`), the built-in kinds (`kinds`)."""

from app.services.engagement.destinations.kinds import SegmentDestination, WebhookDestination
from app.services.engagement.destinations.service import (
    Destination,
    DestinationService,
    DestinationStopped,
)

__all__ = [
    "Destination",
    "DestinationService",
    "DestinationStopped",
    "SegmentDestination",
    "WebhookDestination",
]
