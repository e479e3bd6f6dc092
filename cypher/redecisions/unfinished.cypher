MATCH (r:Redecision {ws: $ws})
WHERE r.status <> 'done'
RETURN r {.*} AS run
ORDER BY r.requested_at, r.id
