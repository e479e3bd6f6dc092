// The API key with this digest, if any (revoked and expired keys are refused by the caller).
MATCH (k:ApiKey {key_hash: $key_hash, ws: $ws})
RETURN k.id AS id, k.name AS name, k.role AS role, k.created_at AS created_at,
       k.expires_at AS expires_at, k.revoked AS revoked
