// An erasure step failed: the error's kind is recorded; `cdp erasures resume` retries it.
MATCH (r:ErasureRequest {id: $id, ws: $ws})
SET r.status = 'failed', r.error = $error, r.failed_at = $at, r.runner = null,
    r.lease_until = null
RETURN r.id AS id
