// Start runs of one journey, one per row, each unless its profile already has one in flight
// for this journey (active_key is unique while a run is in flight; a journey allowing
// re-entry gives every run its own). Returns the runs started.
UNWIND $rows AS row
OPTIONAL MATCH (x:JourneyRun {active_key: row.active_key})
WITH row, x WHERE x IS NULL
CREATE (r:JourneyRun {id: row.id, ws: $ws, journey: $journey, version: $version,
                      profile: row.profile, status: 'active', step: $step, seq: 0,
                      started_at: $at, updated_at: $at, active_key: row.active_key,
                      trigger: $trigger})
RETURN r.id AS id
