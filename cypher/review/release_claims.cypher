// Give back claims older than $before (a decision whose process died half-way): open again.
MATCH (s:Suggestion {ws: $ws, status: 'deciding'})
WHERE s.claimed_at < $before
SET s.status = 'open'
REMOVE s.token, s.claimed_at, s.claimed_by
RETURN count(s) AS released
