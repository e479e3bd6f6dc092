// The development source whose key comes from CDP_DEFAULT_WRITE_KEY (idempotent).
MERGE (s:Source {id: $id})
ON CREATE SET s.ws = $ws, s.name = $name, s.trust = $trust, s.created_at = $at
SET s.key_hash = $key_hash, s.rotated_at = coalesce(s.rotated_at, $at)
RETURN s.id AS id
