// One breadth-first step over evidence: each frontier identifier with its profile, the keys
// of its neighbours and, unless it is blocked or generic (more than $max_degree neighbours
// of types other than the session types $uncounted; or, for a type in $contended, more than
// $max_rivals of its session identifiers shared with more than $max_rivals other values of
// its type, confirmed here for values already flagged), its outgoing
// LINKED and NEVER edges (each edge is stored once, from the smaller key, so every edge
// between expanded identifiers comes back exactly once).
CYPHER replan=skip
UNWIND $keys AS k
MATCH (i:Identifier {key: k})
USING INDEX SEEK i:Identifier(key)
OPTIONAL MATCH (i)-[:OF]->(p:Profile)
WITH i, p, COLLECT {
  MATCH (i)-[:LINKED]-(j:Identifier) WHERE NOT j.blocked AND NOT j.type IN $uncounted
  RETURN DISTINCT j.key LIMIT $max_degree + 1
} AS sample
WITH i, p, size(sample) > $max_degree OR
  CASE WHEN NOT i.type IN $contended OR NOT coalesce(i.generic, false)
        OR COUNT { (i)-[:LINKED]-() } <= $max_rivals THEN false
    WHEN COUNT {
      MATCH (i)-[:LINKED]-(x:Identifier)
      WHERE x.type IN $uncounted AND NOT x.blocked AND EXISTS {
        MATCH (x)-[:LINKED]-(u:Identifier) WHERE u.type = i.type AND u <> i AND NOT u.blocked
      }
      RETURN DISTINCT x.key LIMIT $max_rivals + 1
    } <= $max_rivals THEN false
    ELSE COUNT {
      MATCH (i)-[:LINKED]-(x:Identifier)-[:LINKED]-(u:Identifier)
      WHERE x.type IN $uncounted AND NOT x.blocked AND u.type = i.type AND u <> i
        AND NOT u.blocked
      RETURN DISTINCT u.key LIMIT $max_rivals + 1
    } > $max_rivals
  END AS generic
WITH i, p, generic, generic OR i.blocked AS closed
// One record holding every row: far cheaper to receive than one record per identifier.
RETURN collect({
  key: i.key, type: i.type, first_seen: i.first_seen, blocked: i.blocked,
  stored_generic: i.generic, generic: generic, profile: p.id, created_at: p.created_at,
  neighbours: CASE WHEN closed THEN [] ELSE COLLECT {
    MATCH (i)-[:LINKED|NEVER]-(j:Identifier) RETURN DISTINCT j.key
  } END,
  edges: CASE WHEN closed THEN [] ELSE COLLECT {
    MATCH (i)-[l:LINKED|NEVER]->(j:Identifier)
    RETURN {b: j.key, kind: type(l), rule: l.rule, at: l.first_seen, count: l.count,
            followed: l.followed, refusal: l.refusal, source: l.source,
            last_seen: l.last_seen}
  } END
}) AS rows
