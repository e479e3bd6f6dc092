// Runs waiting for one of these (profile, event name) pairs.
UNWIND $pairs AS pair
MATCH (r:JourneyRun {ws: $ws, profile: pair.profile})
WHERE r.status = 'waiting' AND r.waiting_for = pair.event
RETURN r.id AS id, r.seq AS seq
