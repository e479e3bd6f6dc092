"""Customer journeys: the service (`service`), definitions (`catalog`), a run's state (`runs`)
and the actions its steps take (`acting`)."""

from app.ports.journey_runs import RunView
from app.ports.journeys import JourneyView
from app.services.engagement.journeys.service import JourneyService

__all__ = ["JourneyService", "JourneyView", "RunView"]
