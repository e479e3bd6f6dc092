// An erasure: the journey runs and step records of the subject's profiles.
MATCH (r:JourneyRun {ws: $ws})
WHERE r.profile IN $profiles
OPTIONAL MATCH (s:JourneyStep {run: r.id})
DETACH DELETE s, r
RETURN count(DISTINCT r) AS runs
