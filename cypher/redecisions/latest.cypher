// The newest runs of workspace $ws (of one source when $source is given).
MATCH (r:Redecision {ws: $ws})
WHERE $source IS NULL OR r.source = $source
RETURN r {.*} AS run
ORDER BY r.requested_at DESC, r.id DESC
LIMIT $limit
