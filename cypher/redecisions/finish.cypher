MATCH (r:Redecision {id: $id, ws: $ws})
SET r.status = 'done', r.finished_at = $at, r.heartbeat_at = $at
RETURN r.id AS id
