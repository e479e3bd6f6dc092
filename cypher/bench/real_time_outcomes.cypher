// Benchmark: for events that logged a person in (their first with a user id), when their
// profile entered a segment, and when a run of a journey it triggers started and finished its
// first step (the writers' clock, taken just before each commit). Null when it did not happen.
UNWIND $ids AS id
MATCH (e:Event {id: id})-[:BY]->(:Identifier)-[:OF]->(p:Profile)
OPTIONAL MATCH (p)-[m:IN_SEGMENT]->(:Segment {key: $ws + ':' + $segment})
OPTIONAL MATCH (r:JourneyRun {profile: p.id})
WHERE r.ws = $ws AND r.journey = $journey
OPTIONAL MATCH (s:JourneyStep {key: r.id + ':0'})
RETURN id, min(m.since) AS segment_at, min(r.started_at) AS run_at, min(s.at) AS step_at
