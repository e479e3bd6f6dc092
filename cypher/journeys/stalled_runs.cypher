// Runs no job seems to carry: active and untouched since $active_before (longer than any job
// may run), or waiting for a time that passed before $waiting_before. The oldest first.
CALL () {
  MATCH (r:JourneyRun {ws: $ws, status: 'active'})
  WHERE r.updated_at < $active_before
  RETURN r
  UNION
  MATCH (r:JourneyRun {ws: $ws, status: 'waiting'})
  WHERE r.wait_until < $waiting_before
  RETURN r
}
RETURN r.id AS id, r.seq AS seq
ORDER BY r.updated_at, r.id
LIMIT $limit
