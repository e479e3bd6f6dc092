// Start a run unless the profile already has one in flight for this journey (active_key is
// unique while a run is in flight; a journey allowing re-entry gives every run its own).
OPTIONAL MATCH (x:JourneyRun {active_key: $active_key})
WITH x WHERE x IS NULL
CREATE (r:JourneyRun {id: $id, ws: $ws, journey: $journey, version: $version,
                      profile: $profile, status: 'active', step: $step, seq: 0,
                      started_at: $at, updated_at: $at, active_key: $active_key,
                      trigger: $trigger})
RETURN r.id AS id
