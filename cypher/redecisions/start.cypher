// A waiting run starts with its total; a running one (resumed) keeps its own.
MATCH (r:Redecision {id: $id, ws: $ws})
WHERE r.status <> 'done'
SET r.total = CASE r.status WHEN 'waiting' THEN $total ELSE r.total END,
    r.started_at = coalesce(r.started_at, $at),
    r.status = 'running', r.heartbeat_at = $at
RETURN r {.*} AS run
