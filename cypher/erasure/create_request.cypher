// A new erasure request for a profile (an id, never a value); the job does the rest.
CREATE (r:ErasureRequest {id: $id, ws: $ws, status: 'requested', requested_at: $at,
                          requested_by: $by, reason: $reason, profile_id: $profile})
RETURN r.id AS id
