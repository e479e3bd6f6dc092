// The source of workspace $ws whose write key has this digest: a key of another workspace
// finds nothing.
MATCH (s:Source {key_hash: $key_hash, ws: $ws})
RETURN s.id AS id, s.ws AS ws, s.name AS name, s.trust AS trust
