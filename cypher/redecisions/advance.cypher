// Move a run's cursor, only from where this runner found it: a second runner of the same run
// (a resumed copy) moves nothing and stops.
MATCH (r:Redecision {id: $id, ws: $ws})
WHERE r.after = $expected AND r.status = 'running'
SET r.after = $after, r.checked = $checked, r.redecided = $redecided, r.changed = $changed,
    r.heartbeat_at = $at
RETURN r.id AS id
