// The review queue, newest first: suggestions of this workspace with id $id, status $status
// and kind $kind (each null: any), from $offset, at most $limit; each with the identifiers it is
// about (type, flags and active profile, never values) and the active profiles it is about
// (merged ids followed to the profile they joined).
MATCH (s:Suggestion {ws: $ws})
WHERE ($id IS NULL OR s.id = $id) AND ($status IS NULL OR s.status = $status)
  AND ($kind IS NULL OR s.kind = $kind)
WITH s ORDER BY s.created_at DESC, s.id
SKIP toInteger($offset) LIMIT toInteger($limit)
CALL (s) {
  OPTIONAL MATCH (s)-[:ABOUT]->(i:Identifier)
  OPTIONAL MATCH (i)-[:OF]->(ip:Profile)
  WITH i, ip ORDER BY i.key
  RETURN collect(CASE WHEN i IS NULL THEN null ELSE
    {key: i.key, type: i.type, profile: ip.id, generic: coalesce(i.generic, false),
     blocked: coalesce(i.blocked, false)} END) AS identifiers
}
CALL (s) {
  OPTIONAL MATCH (s)-[:ABOUT]->(p:Profile)
  OPTIONAL MATCH (p)-[:MERGED_INTO*1..32]->(end:Profile {status: 'active'})
  WITH p, end ORDER BY p.id
  RETURN collect(coalesce(end.id, p.id)) AS profiles
}
RETURN s.id AS id, s.kind AS kind, s.status AS status, s.created_at AS created_at,
       s.rule AS rule, s.probability AS probability, s.weight AS weight,
       s.verdicts AS verdicts, s.decided_at AS decided_at, s.decided_by AS decided_by,
       s.note AS note, identifiers, profiles
ORDER BY created_at DESC, id
