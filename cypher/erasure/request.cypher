// One erasure request or receipt, with its progress counters.
MATCH (r:ErasureRequest {id: $id, ws: $ws})
RETURN r {.*} AS request
