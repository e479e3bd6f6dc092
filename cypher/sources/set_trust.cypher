// Give a source of workspace $ws a new trust (what its observations weigh in survivorship).
MATCH (s:Source {id: $id, ws: $ws})
SET s.trust = $trust, s.trust_set_at = $at
RETURN s.id AS id, s.ws AS ws, s.name AS name, s.trust AS trust
