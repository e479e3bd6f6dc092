// Record that a step of an erasure finished, with the counts it produced.
MATCH (r:ErasureRequest {id: $id, ws: $ws})
SET r.steps = coalesce(r.steps, []) + [$step], r += $counts
RETURN r.steps AS steps
