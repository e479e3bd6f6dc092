// A tracking source; its write key is stored only as a SHA-256 digest.
CREATE (s:Source {id: $id, ws: $ws, name: $name, key_hash: $key_hash, trust: $trust,
                  created_at: $at, rotated_at: $at})
RETURN s.id AS id
