// Move a run on, only from the state the caller saw (seq): a duplicate or late job loses.
// The first SET takes the run's write lock before seq is compared, so of two jobs racing
// from the same state exactly one moves it. A finished run gives up its active_key, so the
// profile may enter again.
MATCH (r:JourneyRun {id: $id, ws: $ws})
SET r.updated_at = $at
WITH r
WHERE r.seq = $seq
SET r += $changes, r.seq = $seq + 1,
    r.active_key = CASE WHEN $changes.status IN ['completed', 'exited', 'failed']
                        THEN null ELSE r.active_key END
RETURN r.seq AS seq
