// Identifier keys an unfinished erasure has planned to delete: a rotation leaves them alone,
// so the erasure finds them under the keys it recorded.
MATCH (r:ErasureRequest {ws: $ws})
WHERE r.status IN ['requested', 'running'] AND r.erase_keys IS NOT NULL
UNWIND r.erase_keys AS key
RETURN collect(DISTINCT key) AS keys
