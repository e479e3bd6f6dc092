// The request becomes its receipt: counts only. The plan (identifier keys, profile ids)
// is removed, so nothing tied to the subject is left on it.
MATCH (r:ErasureRequest {id: $id, ws: $ws})
SET r.status = 'completed', r.completed_at = $at, r.receipt = $receipt
REMOVE r.erase_keys, r.shared_keys, r.sealed_keys, r.profile_ids, r.profile_id, r.plan_counts, r.runner, r.lease_probe,
       r.lease_until, r.error
RETURN r.id AS id
