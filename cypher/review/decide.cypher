// Close a suggestion this decision claimed ($token) with its outcome ($status: accepted,
// dismissed, settled; or open again when the action was refused or failed).
MATCH (s:Suggestion {id: $id, ws: $ws})
WHERE s.status = 'deciding' AND s.token = $token
SET s.status = $status,
    s.decided_at = CASE WHEN $status = 'open' THEN null ELSE $at END,
    s.decided_by = CASE WHEN $status = 'open' THEN null ELSE $by END,
    s.note = CASE WHEN $status = 'open' THEN s.note ELSE $note END
REMOVE s.token, s.claimed_at, s.claimed_by
RETURN s.id AS id
