// Erasures not finished: requested, or running (a worker may have died half-way), with when
// the current runner's claim runs out.
MATCH (r:ErasureRequest {ws: $ws})
WHERE r.status IN ['requested', 'running']
RETURN r.id AS id, r.lease_until AS lease_until
ORDER BY r.requested_at
