// Claim an open suggestion of this workspace for one decision ($token): it is `deciding`
// until the decision closes it or gives it back, so two operators (or the sweep) cannot
// decide it at once. Nothing if it is not open.
MATCH (s:Suggestion {id: $id, ws: $ws})
WHERE s.status = 'open'
SET s.status = 'deciding', s.token = $token, s.claimed_at = $at, s.claimed_by = $by
RETURN s.id AS id
