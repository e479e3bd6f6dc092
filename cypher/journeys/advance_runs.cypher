// Move runs on, each only from the state its mover saw (seq): a duplicate or late job loses.
// The first SET takes the run's write lock before seq is compared, so of two jobs racing
// from the same state exactly one moves it. A finished run gives up its active_key, so the
// profile may enter again. Rows come in run id order (locks taken in one order).
UNWIND $moves AS move
MATCH (r:JourneyRun {id: move.id, ws: $ws})
SET r.updated_at = $at
WITH r, move
WHERE r.seq = move.seq
SET r += move.changes, r.seq = move.seq + 1,
    r.active_key = CASE WHEN move.changes.status IN ['completed', 'exited', 'failed']
                        THEN null ELSE r.active_key END
RETURN r.id AS id, r.seq AS seq
