// Profiles that let identifiers go since $since because they reached a session type's cap or
// the total cap ($refusals: the oldest sessions make room, and their links are refused with
// the cap), and that are at a cap still ($min_sessions session identifiers of the types
// $sessions, or $total_cap identifiers): for each, the identifier that holds the profile
// together (its oldest identifier of the highest-priority type in $priority, neither blocked
// nor generic) and the refusal. Those filed already are left out; at most $limit.
MATCH (a:Identifier)-[l:LINKED]->(b:Identifier)
WHERE l.refusal IN $refusals AND l.decided_at >= $since AND a.ws = $ws
// The profile at the cap: the one of the end that is not a session (the evicted session now
// sits in a profile of its own), else the larger.
CALL (a, b) {
  UNWIND [a, b] AS x
  MATCH (x)-[:OF]->(p:Profile)
  RETURN p ORDER BY x.type IN $sessions, COUNT { (p)<-[:OF]-() } DESC, p.id LIMIT 1
}
WITH p, min(l.refusal) AS refusal
WHERE COUNT { (p)<-[:OF]-(s:Identifier) WHERE s.type IN $sessions } >= $min_sessions
   OR COUNT { (p)<-[:OF]-() } >= $total_cap
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
