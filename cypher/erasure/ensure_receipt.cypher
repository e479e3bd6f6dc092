// Re-apply an erasure receipt from the ledger (after a restore of a graph backup).
MERGE (r:ErasureRequest {id: $id})
ON CREATE SET r.ws = $ws, r.status = 'completed', r.completed_at = $completed_at,
              r.receipt = $receipt, r.requested_at = $requested_at,
              r.requested_by = $requested_by, r.reapplied = true
RETURN r.status AS status
