// Revoke an API key; it stops working within the authentication cache's lifetime.
MATCH (k:ApiKey {id: $id, ws: $ws})
SET k.revoked = true, k.revoked_at = $at
RETURN k.id AS id
