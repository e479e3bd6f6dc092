// Close an open suggestion of this workspace: accepted, dismissed or settled, by whom, when.
MATCH (s:Suggestion {id: $id, ws: $ws})
WHERE s.status = 'open'
SET s.status = $status, s.decided_at = $at, s.decided_by = $by, s.note = $note
RETURN s.id AS id
