"""Customer journeys: the service (`service`), definitions (`catalog`), a run's state (`runs`)
and the actions its steps take (`acting`)."""

from app.services.engagement.journeys.catalog import JourneyView
from app.services.engagement.journeys.service import JourneyService, RunView

__all__ = ["JourneyService", "JourneyView", "RunView"]
