MATCH (s:Source {ws: $ws})
RETURN s.id AS id, s.ws AS ws, s.name AS name, s.trust AS trust, s.created_at AS created_at
ORDER BY s.name, s.id
