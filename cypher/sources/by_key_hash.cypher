MATCH (s:Source {key_hash: $key_hash})
RETURN s.id AS id, s.ws AS ws, s.name AS name, s.trust AS trust
