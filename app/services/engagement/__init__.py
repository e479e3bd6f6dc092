"""Acting on profiles: real-time segments, journeys, destinations and the outbound sender."""
