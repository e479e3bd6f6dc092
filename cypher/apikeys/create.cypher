// An API key; the key itself is stored only as its SHA-256 digest.
CREATE (k:ApiKey {id: $id, ws: $ws, name: $name, role: $role, key_hash: $key_hash,
                  created_at: $at, expires_at: $expires_at, revoked: false})
RETURN k.id AS id
