// A profile's journey runs, newest first, each with its steps in order.
MATCH (r:JourneyRun {ws: $ws, profile: $profile})
OPTIONAL MATCH (s:JourneyStep {run: r.id})
WITH r, s ORDER BY s.started_at, s.key
WITH r, collect(s {.step, .kind, .outcome, .reason, .at}) AS steps
RETURN r {.id, .journey, .version, .status, .step, .started_at, .updated_at, .exit_reason}
       AS run, steps
ORDER BY r.started_at DESC
LIMIT $limit
