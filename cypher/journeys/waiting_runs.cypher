// Runs waiting for one of these (profile, event name) pairs, as they stand.
UNWIND $pairs AS pair
MATCH (r:JourneyRun {ws: $ws, profile: pair.profile})
WHERE r.status = 'waiting' AND r.waiting_for = pair.event
RETURN DISTINCT r {.*} AS run
