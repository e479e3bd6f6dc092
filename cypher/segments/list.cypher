// The workspace's segments with their member counts.
MATCH (s:Segment {ws: $ws})
RETURN s.name AS name, s.description AS description, s.definition AS definition,
       s.version AS version, s.active AS active, s.updated_at AS updated_at,
       // Only profiles are members: the degree is their count, read without visiting them.
       COUNT { (s)<-[:IN_SEGMENT]-() } AS members
ORDER BY s.name
