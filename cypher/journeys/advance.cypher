// Move a run on, only from the state the caller saw (seq): a duplicate or late job loses.
// A finished run gives up its active_key, so the profile may enter again.
MATCH (r:JourneyRun {id: $id, ws: $ws})
WHERE r.seq = $seq
SET r += $changes, r.seq = $seq + 1, r.updated_at = $at,
    r.active_key = CASE WHEN $changes.status IN ['completed', 'exited', 'failed']
                        THEN null ELSE r.active_key END
RETURN r.seq AS seq
