// Erasures not finished: requested, or running (a worker may have died half-way).
MATCH (r:ErasureRequest {ws: $ws})
WHERE r.status IN ['requested', 'running']
RETURN r.id AS id
ORDER BY r.requested_at
