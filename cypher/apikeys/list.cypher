// The workspace's API keys (digests are never returned).
MATCH (k:ApiKey {ws: $ws})
RETURN k.id AS id, k.name AS name, k.role AS role, k.created_at AS created_at,
       k.expires_at AS expires_at, k.revoked AS revoked
ORDER BY k.created_at
