// Journey runs by id, each with the outcome its current visit recorded, if it got that far (a
// job run again finds what its first attempt did without another read).
UNWIND $ids AS id
MATCH (r:JourneyRun {id: id, ws: $ws})
OPTIONAL MATCH (s:JourneyStep {key: r.id + ':' + toString(r.seq), ws: $ws})
RETURN r {.*} AS run, s.outcome AS outcome
