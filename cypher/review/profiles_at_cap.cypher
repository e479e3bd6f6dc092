// Profiles that let identifiers go since $since because they reached a session type's cap or
// the total cap ($refusals: the oldest sessions make room, and their links are refused with
// the cap): for each, the identifier that holds the profile together (its oldest identifier
// of the highest-priority type in $priority, neither blocked nor generic) and the refusal.
// Those filed already are left out; at most $limit.
MATCH (a:Identifier)-[l:LINKED]->(b:Identifier)
WHERE l.refusal IN $refusals AND l.decided_at >= $since AND a.ws = $ws
// The end still in the large profile (the one evicted now sits in a profile of its own).
CALL (a, b) {
  UNWIND [a, b] AS x
  MATCH (x)-[:OF]->(p:Profile)
  RETURN p ORDER BY COUNT { (p)<-[:OF]-() } DESC, p.id LIMIT 1
}
WITH p, min(l.refusal) AS refusal
CALL (p) {
  MATCH (p)<-[:OF]-(t:Identifier)
  WHERE NOT t.blocked AND NOT t.generic
  WITH t, [r IN range(0, size($priority) - 1) WHERE $priority[r] = t.type] AS rank
  RETURN t ORDER BY coalesce(rank[0], size($priority)), t.first_seen, t.key LIMIT 1
}
WITH p, t, refusal
WHERE NOT EXISTS { MATCH (:Suggestion {ws: $ws, subject: 'at_cap:' + t.key}) }
RETURN t.key AS key, p.id AS profile, refusal
ORDER BY key
LIMIT toInteger($limit)
