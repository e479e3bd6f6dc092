// One journey run.
MATCH (r:JourneyRun {id: $id, ws: $ws})
RETURN r {.*} AS run
