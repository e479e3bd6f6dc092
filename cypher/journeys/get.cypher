// One journey of the workspace, with how many runs are in flight.
MATCH (j:Journey {key: $ws + ':' + $name})
RETURN j.name AS name, j.description AS description, j.definition AS definition,
       j.version AS version, j.active AS active, j.updated_at AS updated_at,
       COUNT { (r:JourneyRun {ws: $ws, journey: j.name}) WHERE r.status IN ['active', 'waiting'] }
         AS running
