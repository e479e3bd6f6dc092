// The newest erasure requests and receipts.
MATCH (r:ErasureRequest {ws: $ws})
RETURN r {.*} AS request
ORDER BY r.requested_at DESC
LIMIT $limit
