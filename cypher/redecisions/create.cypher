// A run re-deciding golden records in the background (counts and ids only, never a value).
CREATE (r:Redecision {id: $id, ws: $ws, reason: $reason, source: $source, by: $by,
                      status: 'waiting', requested_at: $requested_at,
                      not_before: $not_before, after: '', checked: 0, total: 0,
                      redecided: 0, changed: 0})
RETURN r.id AS id
