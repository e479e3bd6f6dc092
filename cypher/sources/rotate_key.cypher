MATCH (s:Source {id: $id, ws: $ws})
SET s.key_hash = $key_hash, s.rotated_at = $at
RETURN s.id AS id
